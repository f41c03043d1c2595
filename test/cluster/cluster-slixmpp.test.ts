import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect as natsConnect } from 'nats';
import { clusterNames } from '../../src/cluster/keys.ts';
import { freePort } from '../cli/support/ports.ts';
import {
  type ClusterProcess,
  expectSessions,
  freePortRange,
  makeClusterProcess,
  waitFor,
} from '../support/cluster-process.ts';
import {
  type ClusterUser,
  chat,
  connectUser,
  isMessage,
  isPresence,
  xml,
} from '../support/cluster-xmpp.ts';
import { type NatsServer, startNats } from '../support/nats-server.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { type PeerEvent, type SlixmppPeer, startSlixmppPeer } from '../support/slixmpp-peer.ts';

const isPeerMessage =
  (from: string, body: string) =>
  (e: PeerEvent): boolean =>
    e.event === 'message' && e.from === from && e.body === body;

/**
 * Issue 19: a slixmpp 1.8.3 client on node 2 receives what is sent to it from node 1. It used
 * to receive nothing: forwarded stanzas reached its stream as xmlns="", which slixmpp ignores.
 */
describe('slixmpp on another node than the sender (2 node processes, real NATS and PostgreSQL)', {
  timeout: 600_000,
}, () => {
  let nats: NatsServer;
  let db: { url: string; dispose(): Promise<void> };
  let nodes: ClusterProcess[] = [];
  let metricsPort: number;
  let alice: ClusterUser;
  let bob: SlixmppPeer;
  const peers: SlixmppPeer[] = [];

  before(async () => {
    [nats, db] = await Promise.all([startNats(), createTestDatabase()]);
    const range = await freePortRange(4);
    metricsPort = await freePort();
    nodes = await Promise.all(
      [1, 2].map((i) =>
        makeClusterProcess({
          name: `slix${i}@localhost`,
          cookie: 'slix-cookie',
          natsUrl: nats.url,
          pgUrl: db.url,
          portMin: range.min,
          portMax: range.max,
          metricsPort: i === 2 ? metricsPort : undefined,
        }),
      ),
    );
    await Promise.all(nodes.map((n) => n.start()));
    const r = await nodes[1]!.run(['join_cluster', '-f', 'slix1@localhost']);
    assert.equal(r.code, 0, r.stderr);
    for (const u of ['alice', 'bob', 'carol']) {
      const reg = await nodes[0]!.run(['register', u, 'localhost', 'pw']);
      assert.equal(reg.code, 0, reg.stderr);
    }
    alice = await connectUser(nodes[0]!.service, 'alice', 'one');
    await alice.roster();
    const self = alice.next(isPresence(alice.jid));
    await alice.send(xml('presence'));
    await self;
    bob = await startSlixmppPeer('bob@localhost/slix', 'pw', nodes[1]!.c2sPort);
    peers.push(bob);
    await expectSessions(nodes, [alice.jid, bob.jid]);
  });

  after(async () => {
    await Promise.all(peers.map((p) => p.stop()));
    await alice?.stop();
    await Promise.all(nodes.map((n) => n.cleanup()));
    await Promise.all([nats?.dispose(), db?.dispose()]);
  });

  test('messages from node 1 to its full and bare JID reach slixmpp on node 2', async () => {
    await alice.send(chat('bob@localhost/slix', 'to the full JID'));
    const full = await bob.next(isPeerMessage(alice.jid, 'to the full JID'));
    assert.equal(full.type, 'chat');
    assert.equal(full.to, bob.jid);
    await alice.send(chat('bob@localhost', 'to the bare JID'));
    await bob.next(isPeerMessage(alice.jid, 'to the bare JID'));
    assert.deepEqual(alice.errors, []);
  });

  test('a slixmpp sender on node 1 (xml:lang="en" on every stanza) reaches slixmpp on node 2', async () => {
    const carol = await startSlixmppPeer('carol@localhost/c', 'pw', nodes[0]!.c2sPort);
    peers.push(carol);
    await expectSessions([nodes[0]!], [carol.jid]);
    carol.sendMessage('bob@localhost/slix', 'slixmpp to slixmpp, full');
    await bob.next(isPeerMessage(carol.jid, 'slixmpp to slixmpp, full'));
    carol.sendMessage('bob@localhost', 'slixmpp to slixmpp, bare');
    await bob.next(isPeerMessage(carol.jid, 'slixmpp to slixmpp, bare'));
    // And back, node 2 to node 1.
    bob.sendMessage(carol.jid, 'and back');
    await carol.next(isPeerMessage(bob.jid, 'and back'));
  });

  test('directed presence to the full and the bare JID reaches slixmpp on node 2', async () => {
    await alice.send(xml('presence', { to: 'bob@localhost/slix' }, xml('status', {}, 'full')));
    await bob.next((e) => e.event === 'presence' && e.from === alice.jid && e.status === 'full');
    await alice.send(xml('presence', { to: 'bob@localhost' }, xml('status', {}, 'bare')));
    await bob.next((e) => e.event === 'presence' && e.from === alice.jid && e.status === 'bare');
    await alice.send(xml('presence', { to: 'bob@localhost/slix', type: 'unavailable' }));
    await bob.next(
      (e) => e.event === 'presence' && e.from === alice.jid && e.type === 'unavailable',
    );
  });

  test('IQs from node 1 are answered by slixmpp on node 2 (XEP-0199 ping, XEP-0092 version)', async () => {
    const ping = await alice.xmpp.iqCaller.request(
      xml(
        'iq',
        { type: 'get', to: bob.jid, id: 'ping-1' },
        xml('ping', { xmlns: 'urn:xmpp:ping' }),
      ),
    );
    assert.equal(ping.attrs.type, 'result');
    assert.equal(ping.attrs.from, bob.jid);
    await bob.next(
      (e) => e.event === 'iq' && e.id === 'ping-1' && e.payload === '{urn:xmpp:ping}ping',
    );
    const version = await alice.xmpp.iqCaller.request(
      xml('iq', { type: 'get', to: bob.jid }, xml('query', { xmlns: 'jabber:iq:version' })),
    );
    assert.equal(
      version.getChild('query', 'jabber:iq:version')?.getChildText('name'),
      'slixmpp-peer',
    );
    // No such resource on node 2: RFC 6121 §8.5.3.2.3, an error instead of silence.
    await assert.rejects(
      alice.xmpp.iqCaller.request(
        xml(
          'iq',
          { type: 'get', to: 'bob@localhost/nobody' },
          xml('ping', { xmlns: 'urn:xmpp:ping' }),
        ),
      ),
      (e: { condition?: string }) => e.condition === 'service-unavailable',
    );
  });

  test('forwards that cannot be delivered are counted, logged and answered, not lost', async () => {
    const scrape = async (): Promise<string> =>
      (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const dropped = (text: string, reason: string): number => {
      const m = text.match(
        new RegExp(`^meerkat_stanzas_dropped_total\\{reason="${reason}"\\} (\\d+)`, 'm'),
      );
      assert.ok(m, `no series for ${reason}`);
      return Number(m[1]);
    };
    const before = await scrape();
    for (const reason of ['bad_envelope', 'unparsable', 'max_hops']) {
      assert.equal(dropped(before, reason), 0, reason);
    }
    const info = await nodes[1]!.run(['mnesia', 'info']);
    const cluster = /^cluster\s+= (\S+)$/m.exec(info.stdout)?.[1];
    assert.ok(cluster, info.stdout);
    const subject = clusterNames(cluster).nodeSubject('slix2@localhost');
    const nc = await natsConnect({ servers: nats.url });
    try {
      const envelope = (to: string, h: number, x: string) =>
        JSON.stringify({ f: alice.jid, t: to, h, x });
      nc.publish(subject, 'not a forward');
      nc.publish(subject, envelope(bob.jid, 0, '<message><body>cut short'));
      // Forwarded twice already and the resource is not on node 2: not sent on again, but
      // the sender gets its error (RFC 6121 §8.5.3.2.3).
      nc.publish(
        subject,
        envelope(
          'bob@localhost/gone',
          2,
          `<iq type="get" id="hops-1" from="${alice.jid}" to="bob@localhost/gone"><ping xmlns="urn:xmpp:ping"/></iq>`,
        ),
      );
      // A resource that left since the sender looked: routed again on node 2, where a chat
      // message to a missing resource goes to the bare JID (RFC 6121 §8.5.3.2.1).
      nc.publish(
        subject,
        envelope(
          'bob@localhost/gone',
          0,
          `<message type="chat" from="${alice.jid}" to="bob@localhost/gone"><body>rerouted</body></message>`,
        ),
      );
      await nc.flush();
    } finally {
      await nc.close();
    }
    const error = await alice.next((s) => s.is('iq') && s.attrs.id === 'hops-1');
    assert.equal(error.attrs.type, 'error');
    assert.ok(error.getChild('error')?.getChild('service-unavailable'));
    await bob.next(isPeerMessage(alice.jid, 'rerouted'));

    const after = await waitFor(
      'the drop counters to move',
      scrape,
      (t) =>
        dropped(t, 'bad_envelope') === 1 &&
        dropped(t, 'unparsable') === 1 &&
        dropped(t, 'max_hops') === 1,
    );
    assert.equal(dropped(after, 'deliver_failed'), 0);
    const lines = await nodes[1]!.logged('cluster_stanza_dropped');
    const outcome = (reason: string) => lines.find((l) => l.reason === reason)?.outcome;
    assert.equal(outcome('bad_envelope'), 'ignored');
    assert.equal(outcome('unparsable'), 'ignored');
    assert.equal(outcome('max_hops'), 'error_to_sender');
    assert.equal(lines.length, 3, JSON.stringify(lines));
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
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
  isPush,
  subscribe,
  xml,
} from '../support/cluster-xmpp.ts';
import { type NatsServer, startNats } from '../support/nats-server.ts';
import { createTestDatabase } from '../support/postgres.ts';

/** Issue 5, "What a cluster does": users on three node processes see each other as on one. */
describe('XMPP across three node processes (@xmpp/client, real NATS and PostgreSQL)', {
  timeout: 900_000,
}, () => {
  let nats: NatsServer;
  let db: { url: string; dispose(): Promise<void> };
  let nodes: ClusterProcess[] = [];
  const users: ClusterUser[] = [];

  async function user(node: number, name: string, resource: string): Promise<ClusterUser> {
    const u = await connectUser(nodes[node]!.service, name, resource);
    users.push(u);
    return u;
  }

  async function online(node: number, name: string, resource: string): Promise<ClusterUser> {
    const u = await user(node, name, resource);
    await u.roster();
    const self = u.next(isPresence(u.jid));
    await u.send(xml('presence'));
    await self;
    return u;
  }

  before(async () => {
    [nats, db] = await Promise.all([startNats(), createTestDatabase()]);
    const range = await freePortRange(6);
    nodes = await Promise.all(
      [1, 2, 3].map((i) =>
        makeClusterProcess({
          name: `xmpp${i}@localhost`,
          cookie: 'xmpp-cookie',
          natsUrl: nats.url,
          pgUrl: db.url,
          portMin: range.min,
          portMax: range.max,
        }),
      ),
    );
    await Promise.all(nodes.map((n) => n.start()));
    for (const n of nodes.slice(1)) {
      const r = await n.run(['join_cluster', '-f', 'xmpp1@localhost']);
      assert.equal(r.code, 0, r.stderr);
    }
    for (const u of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'gus']) {
      const r = await nodes[0]!.run(['register', u, 'localhost', 'pw']);
      assert.equal(r.code, 0, r.stderr);
    }
    await waitFor(
      'three running members',
      () => nodes[2]!.run(['mnesia', 'info']),
      (r) =>
        r.stdout.includes(
          'running db nodes   = [xmpp1@localhost, xmpp2@localhost, xmpp3@localhost]',
        ),
    );
  });

  after(async () => {
    await Promise.all(users.map((u) => u.stop()));
    await Promise.all(nodes.map((n) => n.cleanup()));
    await Promise.all([nats?.dispose(), db?.dispose()]);
  });

  test('messages to bare and full JIDs cross nodes', async () => {
    const alice = await online(0, 'alice', 'one');
    const bob = await online(1, 'bob', 'two');
    const carol = await online(2, 'carol', 'three');
    await expectSessions(nodes, [alice.jid, bob.jid, carol.jid]);

    await alice.send(chat('bob@localhost', 'alice to bob, bare'));
    const m1 = await bob.next(isMessage('alice to bob, bare'));
    assert.equal(m1.attrs.from, 'alice@localhost/one');
    await bob.send(chat('carol@localhost/three', 'bob to carol, full'));
    assert.equal((await carol.next(isMessage('bob to carol, full'))).attrs.from, bob.jid);
    await carol.send(chat('alice@localhost', 'carol to alice, bare'));
    await alice.next(isMessage('carol to alice, bare'));

    // RFC 6121 §8.5.2.1.1: the bare JID goes to the highest priority resource, on any node.
    const alice2 = await user(2, 'alice', 'high');
    const self = alice2.next(isPresence(alice2.jid));
    await alice2.send(xml('presence', {}, xml('priority', {}, '10')));
    await self;
    await expectSessions([nodes[1]!], [alice2.jid]);
    await waitFor(
      'the priority to reach the registry',
      async () => {
        await bob.send(chat('alice@localhost', 'which one?'));
        return alice2.next(isMessage('which one?'), 1000).then(
          () => true,
          () => false,
        );
      },
      (ok) => ok,
    );
    await alice2.stop();
    for (const u of [alice, bob, carol]) assert.deepEqual(u.errors, []);
  });

  test('presence: subscribers see each other across nodes, and a resource going away', async () => {
    const dave = await online(0, 'dave', 'd1');
    const erin = await online(1, 'erin', 'e1');
    await expectSessions(nodes, [dave.jid, erin.jid]);
    await subscribe(dave, erin);
    await subscribe(erin, dave);
    // A new resource of erin on a third node: dave (node 1) sees it come and go.
    const erin3 = await user(2, 'erin', 'e3');
    const arrives = dave.next(isPresence('erin@localhost/e3'));
    await erin3.send(xml('presence', {}, xml('status', {}, 'on node 3')));
    assert.equal((await arrives).getChildText('status'), 'on node 3');
    // ...and erin3 was told of dave by the probe to the contacts (RFC 6121 §4.2.2).
    await erin3.next(isPresence('dave@localhost/d1'));
    const leaves = dave.next(isPresence('erin@localhost/e3', 'unavailable'));
    await erin3.stop();
    await leaves;
  });

  test('roster pushes reach the same user on another node', async () => {
    const frankA = await online(0, 'frank', 'a');
    const frankB = await online(2, 'frank', 'b');
    await expectSessions(nodes, [frankA.jid, frankB.jid]);
    const set = xml(
      'iq',
      { type: 'set' },
      xml(
        'query',
        { xmlns: 'jabber:iq:roster' },
        xml('item', { jid: 'someone@localhost', name: 'Some One' }, xml('group', {}, 'Friends')),
      ),
    );
    const pushB = frankB.next(isPush('someone@localhost'));
    const pushA = frankA.next(isPush('someone@localhost'));
    await frankA.xmpp.iqCaller.request(set);
    const [a, b] = await Promise.all([pushA, pushB]);
    for (const push of [a, b]) {
      const item = push.getChild('query', 'jabber:iq:roster')!.getChild('item')!;
      assert.equal(item.attrs.name, 'Some One');
      assert.equal(item.getChildText('group'), 'Friends');
    }
    // The push from another node names the user's bare JID as sender (RFC 6121 §2.1.6).
    assert.equal(b.attrs.from, 'frank@localhost');
    const roster = await frankB.roster();
    assert.ok(
      roster
        .getChild('query')!
        .getChildren('item')
        .some((i) => i.attrs.jid === 'someone@localhost'),
    );
  });

  test('a full JID bound on another node replaces the older session with <conflict/>', async () => {
    const first = await online(0, 'carol', 'same');
    const second = await online(1, 'carol', 'same');
    await waitFor(
      'the older session to get <conflict/>',
      () => first.errors,
      (e) => e.includes('conflict'),
    );
    const bob = await online(2, 'bob', 'conflict-check');
    await expectSessions([nodes[2]!], [second.jid]);
    await bob.send(chat('carol@localhost/same', 'to the survivor'));
    await second.next(isMessage('to the survivor'));
  });

  test('offline storage, delivered when the recipient logs in on another node', async () => {
    const sender = await online(0, 'alice', 'offline-sender');
    // gus has never been online anywhere: the message is stored (RFC 6121 §8.5.2.2.2).
    await sender.send(chat('gus@localhost', 'kept for later'));
    // Stored in the shared database before gus logs in (else it could arrive live).
    const pgc = new pg.Client({ connectionString: db.url });
    await pgc.connect();
    try {
      await waitFor(
        'the message to be stored',
        async () =>
          (
            await pgc.query(
              "select count(*)::int as n from offline_messages where username = 'gus'",
            )
          ).rows[0].n,
        (n) => n === 1,
      );
    } finally {
      await pgc.end();
    }
    const gus = await user(2, 'gus', 'later');
    const got = gus.next(isMessage('kept for later'));
    await gus.send(xml('presence'));
    const m = await got;
    assert.equal(m.attrs.from, sender.jid);
    assert.ok(m.getChild('delay', 'urn:xmpp:delay'), 'XEP-0203 delay on a stored message');
  });

  test('connected_users is cluster-wide', async () => {
    const out = await waitFor(
      'sessions of every node',
      async () => (await nodes[2]!.run(['connected_users'])).stdout.split('\n'),
      (lines) =>
        ['alice@localhost/one', 'bob@localhost/two', 'carol@localhost/three'].every((j) =>
          lines.includes(j),
        ),
    );
    assert.ok(out.includes('dave@localhost/d1'));
    const count = Number((await nodes[0]!.run(['connected_users_number'])).stdout);
    assert.equal(count, out.filter((l) => l !== '').length);
  });
});

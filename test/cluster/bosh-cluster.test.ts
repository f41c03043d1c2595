import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import { boshNames } from '../../src/cluster/bosh-directory.ts';
import { parseJid } from '../../src/jid/index.ts';
import { NS_CLIENT, x } from '../../src/xml/index.ts';
import { BoshClient, NS_HTTPBIND, post } from '../support/bosh-client.ts';
import { type InProcessClusterNode, startClusterNode } from '../support/cluster-node.ts';
import { freePort, type NatsServer, startNats } from '../support/nats-server.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { TestClient } from '../support/xmpp-client.ts';

async function until(pred: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Sends every request of `c` to the next port of `ports` in turn (a round-robin balancer). */
function roundRobin(c: BoshClient, ports: number[]): number[] {
  const used: number[] = [];
  const sendRaw = c.sendRaw.bind(c);
  c.sendRaw = (data: string) => {
    c.port = ports[used.length % ports.length]!;
    used.push(c.port);
    return sendRaw(data);
  };
  return used;
}

const message = (to: string, body: string) =>
  x('message', NS_CLIENT, { to, type: 'chat' }, x('body', NS_CLIENT, {}, body));

describe('BOSH in a cluster: any node serves a session (no sticky load balancing)', () => {
  let nats: NatsServer;
  let db: { url: string; dispose(): Promise<void> };
  let a: InProcessClusterNode;
  let b: InProcessClusterNode;
  let nc: NatsConnection;
  const directory = async () =>
    nc.jetstream().views.kv(boshNames(a.node.admin.cluster!.name()!).bucket, { history: 1 });
  /** Who the directory says owns `sid` (undefined: no entry). */
  const ownerOf = async (sid: string) => {
    const e = await (await directory()).get(sid);
    return e?.operation === 'PUT' ? e.string() : undefined;
  };

  before(async () => {
    nats = await startNats();
    db = await createTestDatabase();
    const base = await freePort();
    const common = {
      natsUrl: nats.url,
      pgUrl: db.url,
      cookie: 'bosh-secret',
      portMin: base,
      portMax: base + 5,
    };
    a = await startClusterNode({ ...common, name: 'a@localhost' });
    b = await startClusterNode({ ...common, name: 'b@localhost' });
    await b.node.admin.cluster!.join('a@localhost');
    await until(
      () => a.node.admin.cluster!.members().filter((m) => m.state === 'running').length === 2,
    );
    nc = await connect({ servers: nats.url });
    for (const u of ['web', 'tcp', 'web2'])
      await a.node.admin.accounts.register(u, 'localhost', 'pw');
  });

  after(async () => {
    await nc?.close();
    await b?.stop();
    await a?.stop();
    await nats?.dispose();
    await db?.dispose();
    if (a) await rm(a.dataDir, { recursive: true, force: true });
    if (b) await rm(b.dataDir, { recursive: true, force: true });
  });

  test('created on A, requests alternate between A and B: login, long polls, messages with a TCP user on B, terminate', async () => {
    const c = await BoshClient.create(a.httpPort, { wait: 5 });
    assert.equal(await ownerOf(c.sid), 'a@localhost', 'the sid is findable once created');
    const used = roundRobin(c, [b.httpPort, a.httpPort]);
    const jid = await c.login('web', 'pw', 'browser');
    assert.equal(jid, 'web@localhost/browser');
    assert.ok(used.includes(a.httpPort) && used.includes(b.httpPort), 'both nodes were used');
    // The session lives on A, where it was created; B only forwarded.
    assert.equal(a.node.sm.get(parseJid(jid))?.transport, 'bosh');
    assert.equal(b.node.sm.get(parseJid(jid)), undefined);

    const tcp = await TestClient.connect(b.port);
    await tcp.login('tcp', 'pw', { mechanism: 'PLAIN', starttls: false, resource: 'desk' });
    await until(() => b.node.router.resources(parseJid('web@localhost')).length === 1);

    // BOSH → TCP: the request may reach B, is run on A, and routed back to B.
    await c.send([message('tcp@localhost/desk', 'hello from the web')]);
    const got = await tcp.expectName('message');
    assert.equal(got.getChildText('body'), 'hello from the web');
    assert.equal(got.attrs.from, jid);

    // TCP → BOSH, while a long poll is held open (through whichever node it reached).
    for (const text of ['one', 'two', 'three']) {
      const held = used.length;
      const waiting = c.expect((el) => el.name === 'message' && el.getChildText('body') === text);
      await until(() => used.length > held);
      tcp.send(message(jid, text));
      const m = await waiting;
      assert.equal(m.attrs.from, 'tcp@localhost/desk');
    }
    const viaB = used.filter((p) => p === b.httpPort).length;
    assert.ok(viaB >= 4, `several requests went through B (${viaB})`);

    const end = await c.send('', { type: 'terminate' });
    assert.equal(end.attrs.type, 'terminate');
    await until(() => a.node.sm.get(parseJid(jid)) === undefined);
    // The entry is deleted when the session leaves A's table (a JetStream round trip later).
    for (let i = 0; (await ownerOf(c.sid)) !== undefined; i++) {
      assert.ok(i < 100, 'the ended session left the directory');
      await new Promise((r) => setTimeout(r, 50));
    }
    await until(() => b.node.router.resources(parseJid('web@localhost')).length === 0);

    // The ended session is unknown on both nodes.
    for (const port of [a.httpPort, b.httpPort]) {
      const again = await post(port, c.bodyXml('', {}, c.rid + 5));
      assert.equal(again.body?.attrs.condition, 'item-not-found');
    }
    tcp.send(x('presence', NS_CLIENT, { type: 'unavailable' }));
  });

  test('a session created on B is served through A, including a retransmitted rid', async () => {
    const c = await BoshClient.create(b.httpPort, { wait: 3 });
    c.port = a.httpPort;
    const jid = await c.login('web2', 'pw', 'r2');
    assert.equal(b.node.sm.get(parseJid(jid))?.transport, 'bosh');
    assert.equal(a.node.sm.get(parseJid(jid)), undefined);
    const xml = c.bodyXml(
      `<iq xmlns='jabber:client' type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>`,
    );
    c.rid++;
    const first = await post(a.httpPort, xml);
    assert.ok(first.body?.getChild('iq', NS_CLIENT), `the pong came back: ${first.text}`);
    // §14.3: the same rid again (here through the other node) gets the same response.
    const again = await post(b.httpPort, xml);
    assert.equal(again.text, first.text);
    await c.send('', { type: 'terminate' });
  });

  test('an unknown sid on B is item-not-found, as on one node', async () => {
    const answer = await post(
      b.httpPort,
      `<body xmlns='${NS_HTTPBIND}' rid='7' sid='0123456789abcdef0123456789abcdef'/>`,
    );
    assert.equal(answer.status, 200);
    assert.equal(answer.body?.attrs.type, 'terminate');
    assert.equal(answer.body?.attrs.condition, 'item-not-found');
  });

  test('a directory entry whose owner is gone or does not hold the sid: item-not-found, entry dropped', async () => {
    {
      const kv = await directory();
      // 'ghost' never listens (a node that died without cleaning up); B listens but lacks the sid.
      for (const [sid, owner] of [
        ['00000000000000000000000000000001', 'ghost@localhost'],
        ['00000000000000000000000000000002', 'b@localhost'],
      ] as const) {
        await kv.put(sid, owner);
        const answer = await post(
          a.httpPort,
          `<body xmlns='${NS_HTTPBIND}' rid='9' sid='${sid}'/>`,
        );
        assert.equal(answer.body?.attrs.condition, 'item-not-found', owner);
        const entry = await kv.get(sid);
        assert.notEqual(entry?.operation, 'PUT', `the stale entry for ${owner} is gone`);
      }
    }
  });
});

import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { parseJid } from '../../src/jid/index.ts';
import type { Element } from '../../src/xml/index.ts';
import { NS_CLIENT, x } from '../../src/xml/index.ts';
import { type InProcessClusterNode, startClusterNode } from '../support/cluster-node.ts';
import { freePort, type NatsServer, startNats } from '../support/nats-server.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { TestClient } from '../support/xmpp-client.ts';

const A = 'nsa@localhost';
const B = 'nsb@localhost';
const ALICE = parseJid('alice@localhost');
const CAROL = parseJid('carol@localhost');
const DAVE = parseJid('dave@localhost');

async function login(node: InProcessClusterNode, user: string, resource: string) {
  const c = await TestClient.connect(node.port);
  await c.login(user, 'pw', { mechanism: 'PLAIN', starttls: false, resource });
  return c;
}

async function until(what: string, pred: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`not in time: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const chat = (to: string, body: string) =>
  x('message', NS_CLIENT, { to, type: 'chat' }, x('body', NS_CLIENT, {}, body));
const hasBody = (body: string) => (el: Element) =>
  el.name === 'message' && el.getChildText('body') === body;
const presenceFrom = (from: string, type?: string) => (el: Element) =>
  el.name === 'presence' && el.attrs.from === from && el.attrs.type === type;

/** RFC 6121 §3.1: `a` asks for `b`'s presence and `b` approves; `a` then gets `b`'s presence. */
async function subscribe(a: TestClient, aJid: string, b: TestClient, bJid: string) {
  const [aBare, bBare] = [aJid.split('/')[0]!, bJid.split('/')[0]!];
  a.send(x('presence', NS_CLIENT, { to: bBare, type: 'subscribe' }));
  await b.expect(presenceFrom(aBare, 'subscribe'), 10_000);
  b.send(x('presence', NS_CLIENT, { to: aBare, type: 'subscribed' }));
  await a.expect(presenceFrom(bJid), 10_000);
}

/** Takes every queued element matching `pred`, so a later expect() sees only new ones. */
async function drain(c: TestClient, pred: (el: Element) => boolean) {
  while (c.pending().some(pred)) await c.expect(pred);
}

function memberState(n: InProcessClusterNode, name: string): string | undefined {
  return n.node.admin.cluster!.members().find((m) => m.name === name)?.state;
}

/**
 * Issue 5, netsplit: node A loses NATS (through a proxy we cut) while its clients stay connected.
 * B must declare A stopped and purge its sessions; A keeps serving its own users; after healing,
 * the registry must hold exactly A's live sessions again (no ghost of one that ended meanwhile).
 */
describe('cluster netsplit: a node cut off from NATS, then healed', { timeout: 90_000 }, () => {
  let nats: NatsServer;
  let proxy: TcpProxy;
  let db: { url: string; dispose(): Promise<void> };
  let a: InProcessClusterNode;
  let b: InProcessClusterNode;
  const clients: TestClient[] = [];

  before(async () => {
    [nats, db] = await Promise.all([startNats(), createTestDatabase()]);
    proxy = await startTcpProxy({ targetPort: nats.port });
    const base = await freePort();
    const common = { pgUrl: db.url, cookie: 'netsplit', portMin: base, portMax: base + 5 };
    a = await startClusterNode({ ...common, name: A, natsUrl: proxy.url });
    b = await startClusterNode({ ...common, name: B, natsUrl: nats.url });
    for (const u of ['alice', 'bob', 'carol', 'dave'])
      await a.node.admin.accounts.register(u, 'localhost', 'pw');
    await a.node.admin.cluster!.join(B);
  });

  after(async () => {
    for (const c of clients) c.close();
    await a?.stop();
    await b?.stop();
    await proxy?.close();
    await nats?.dispose();
    await db?.dispose();
    if (a) await rm(a.dataDir, { recursive: true, force: true });
    if (b) await rm(b.dataDir, { recursive: true, force: true });
  });

  test('B purges A during the split, A serves locally, the registry converges after healing', async () => {
    await until('both nodes running on both sides', () =>
      [a, b].every((n) => memberState(n, A) === 'running' && memberState(n, B) === 'running'),
    );
    assert.ok(proxy.connections() > 0, 'A talks to NATS through the proxy');

    const alice = await login(a, 'alice', 'a1');
    const bob = await login(b, 'bob', 'b1');
    const carol = await login(a, 'carol', 'c1');
    clients.push(alice, bob, carol);
    for (const c of [alice, bob, carol]) c.send(x('presence', NS_CLIENT));
    await until('B sees alice and carol on A', () =>
      [ALICE, CAROL].every((j) => b.node.router.resources(j).some((t) => t.available)),
    );
    await until('A sees bob on B', () =>
      a.node.router.resources(parseJid('bob@localhost')).some((t) => t.available),
    );
    bob.send(chat('alice@localhost/a1', 'before split'));
    await alice.expect(hasBody('before split'));
    // Alice and bob see each other's presence (subscription both, across the two nodes).
    await subscribe(alice, 'alice@localhost/a1', bob, 'bob@localhost/b1');
    await subscribe(bob, 'bob@localhost/b1', alice, 'alice@localhost/a1');

    // --- The split: A's link to NATS breaks, its c2s connections do not.
    proxy.cut();
    await until(
      'A notices it lost the backbone',
      () => a.node.admin.cluster!.backbone() !== 'connected',
    );
    await until('B lists A as stopped', () => memberState(b, A) === 'stopped', 8000);
    await until('B purges A sessions', () =>
      [ALICE, CAROL].every((j) => b.node.router.resources(j).length === 0),
    );
    // RFC 6121 §4.5.2: bob, a subscriber on B, sees alice go unavailable with the purge.
    await bob.expect(presenceFrom('alice@localhost/a1', 'unavailable'), 10_000);
    await drain(bob, presenceFrom('alice@localhost/a1'));
    assert.equal(memberState(b, B), 'running');
    assert.ok(!alice.isClosed && !carol.isClosed, 'A users stay connected');

    // A keeps serving local traffic during the split.
    alice.send(chat('carol@localhost/c1', 'split a2c'));
    await carol.expect(hasBody('split a2c'));
    carol.send(chat('alice@localhost', 'split c2a'));
    await alice.expect(hasBody('split c2a'));

    // Carol leaves during the split: her session ends on A while B cannot hear of it.
    carol.close();
    await carol.closed;
    await until('carol session gone on A', () => a.node.router.resources(CAROL).length === 0);

    // --- Healing.
    proxy.heal();
    await until(
      'A backbone reconnected',
      () => a.node.admin.cluster!.backbone() === 'connected',
      15_000,
    );
    await until(
      'B sees alice on A again',
      () => b.node.router.resources(ALICE).some((t) => t.available && t.jid.resource === 'a1'),
      15_000,
    );
    // Alice never left: once A is registered again, bob sees her available again.
    await bob.expect(presenceFrom('alice@localhost/a1'), 15_000);
    await until(
      'both nodes running on both sides after healing',
      () => [a, b].every((n) => memberState(n, A) === 'running' && memberState(n, B) === 'running'),
      15_000,
    );
    // No ghost: carol ended during the split and must not come back anywhere.
    assert.deepEqual(b.node.router.resources(CAROL), []);
    assert.deepEqual(a.node.router.resources(CAROL), []);
    assert.ok(
      !b.node.admin.sessions.list().some((s) => s.jid.startsWith('carol@')),
      JSON.stringify(b.node.admin.sessions.list()),
    );
    const sessionsB = b.node.admin.sessions
      .list()
      .map((s) => s.jid)
      .sort();
    assert.deepEqual(sessionsB, ['alice@localhost/a1', 'bob@localhost/b1']);

    // Cross-node messaging works again, both ways, to full and bare JIDs.
    bob.send(chat('alice@localhost/a1', 'healed b2a'));
    await alice.expect(hasBody('healed b2a'));
    bob.send(chat('alice@localhost', 'healed b2a bare'));
    await alice.expect(hasBody('healed b2a bare'));
    alice.send(chat('bob@localhost/b1', 'healed a2b'));
    await bob.expect(hasBody('healed a2b'));
    assert.ok(!alice.isClosed && !bob.isClosed);
  });

  test('a split shorter than the node timeout: a session that ended meanwhile leaves no ghost', async () => {
    const dave = await login(a, 'dave', 'd1');
    const bob = await login(b, 'bob', 'b2');
    clients.push(dave, bob);
    for (const c of [dave, bob]) c.send(x('presence', NS_CLIENT));
    await until('B sees dave on A', () => b.node.router.resources(DAVE).some((t) => t.available));

    proxy.cut();
    await until(
      'A notices it lost the backbone',
      () => a.node.admin.cluster!.backbone() !== 'connected',
    );
    // Dave leaves while A cannot tell the registry; heal at once (B has likely not purged A yet,
    // so only A's resync can remove his entry; if B did purge, the outcome must be the same).
    dave.close();
    await dave.closed;
    await until('dave session gone on A', () => a.node.router.resources(DAVE).length === 0);
    proxy.heal();
    await until(
      'A backbone reconnected',
      () => a.node.admin.cluster!.backbone() === 'connected',
      15_000,
    );
    await until(
      'B drops the entry of dave',
      () => b.node.router.resources(DAVE).length === 0,
      15_000,
    );
    await until(
      'both nodes running on both sides',
      () => [a, b].every((n) => memberState(n, A) === 'running' && memberState(n, B) === 'running'),
      15_000,
    );
    // Alice (from the first test) is still known on B and reachable.
    await until('B sees alice on A', () => b.node.router.resources(ALICE).some((t) => t.available));
    bob.send(chat('alice@localhost/a1', 'short split b2a'));
    await clients[0]!.expect(hasBody('short split b2a'));
  });
});

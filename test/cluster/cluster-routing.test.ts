import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { parseJid } from '../../src/jid/index.ts';
import { NS_CLIENT, x } from '../../src/xml/index.ts';
import { type InProcessClusterNode, startClusterNode } from '../support/cluster-node.ts';
import { freePort, type NatsServer, startNats } from '../support/nats-server.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { TestClient } from '../support/xmpp-client.ts';

async function login(
  node: InProcessClusterNode,
  user: string,
  resource: string,
): Promise<TestClient> {
  const c = await TestClient.connect(node.port);
  await c.login(user, 'pw', { mechanism: 'PLAIN', starttls: false, resource });
  return c;
}

async function until(pred: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('cluster routing between two nodes (in-process, real NATS and PostgreSQL)', () => {
  let nats: NatsServer;
  let db: { url: string; dispose(): Promise<void> };
  let n1: InProcessClusterNode;
  let n2: InProcessClusterNode;

  before(async () => {
    nats = await startNats();
    db = await createTestDatabase();
    const base = await freePort();
    const common = {
      natsUrl: nats.url,
      pgUrl: db.url,
      cookie: 'cluster-secret',
      portMin: base,
      portMax: base + 5,
    };
    n1 = await startClusterNode({ ...common, name: 'n1@localhost' });
    n2 = await startClusterNode({ ...common, name: 'n2@localhost' });
    await n1.node.admin.accounts.register('alice', 'localhost', 'pw');
    await n1.node.admin.accounts.register('bob', 'localhost', 'pw');
  });

  after(async () => {
    await n2?.stop();
    await n1?.stop();
    await nats?.dispose();
    await db?.dispose();
    await rm(n1.dataDir, { recursive: true, force: true });
    await rm(n2.dataDir, { recursive: true, force: true });
  });

  test('join, then messages and presence cross nodes; conflict across nodes', async () => {
    const before = await login(n2, 'alice', 'early');
    await n2.node.admin.cluster!.join('n1@localhost');
    assert.ok(n1.node.admin.cluster!.name());
    assert.equal(n2.node.admin.cluster!.name(), n1.node.admin.cluster!.name());
    await until(
      () => n1.node.admin.cluster!.members().filter((m) => m.state === 'running').length === 2,
    );
    await assert.rejects(
      n2.node.admin.cluster!.join('n1@localhost'),
      /has already joined the cluster/,
    );

    const alice = await login(n1, 'alice', 'a1');
    const bob = await login(n2, 'bob', 'b1');
    bob.send(x('presence', NS_CLIENT, {}, x('priority', NS_CLIENT, {}, '1')));
    alice.send(x('presence', NS_CLIENT));
    await until(() => n1.node.router.resources(parseJid('bob@localhost')).some((t) => t.available));

    alice.send(
      x(
        'message',
        NS_CLIENT,
        { to: 'bob@localhost', type: 'chat' },
        x('body', NS_CLIENT, {}, 'to bare, across nodes'),
      ),
    );
    const m1 = await bob.expectName('message');
    assert.equal(m1.getChildText('body'), 'to bare, across nodes');
    assert.equal(m1.attrs.from, 'alice@localhost/a1');

    bob.send(
      x(
        'message',
        NS_CLIENT,
        { to: 'alice@localhost/a1', type: 'chat' },
        x('body', NS_CLIENT, {}, 'to full'),
      ),
    );
    assert.equal((await alice.expectName('message')).getChildText('body'), 'to full');

    // The session opened before the join on n2 and a new one with the same JID on n1: the older goes.
    const dup = await login(n1, 'alice', 'early');
    assert.equal(await before.expectStreamError(), 'conflict');
    const users = n1.node.admin.sessions
      .list()
      .map((s) => s.jid)
      .sort();
    await until(() => n1.node.admin.sessions.list().length === 3);
    assert.ok(users.includes('bob@localhost/b1'));
    dup.close();
    alice.close();
    bob.close();
  });
});

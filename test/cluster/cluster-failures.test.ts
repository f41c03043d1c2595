import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { processAlive } from '../../src/cli/pid-file.ts';
import {
  type ClusterProcess,
  dbNodes,
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
  subscribe,
  xml,
} from '../support/cluster-xmpp.ts';
import { type NatsServer, startNats } from '../support/nats-server.ts';
import { createTestDatabase } from '../support/postgres.ts';

const F1 = 'fail1@localhost';
const F2 = 'fail2@localhost';
const F3 = 'fail3@localhost';

/** Issue 5: node death (SIGKILL), removal with tombstone, and a NATS outage. */
describe('cluster failures: SIGKILL of a node, remove_from_cluster, NATS outage', {
  timeout: 900_000,
}, () => {
  let nats: NatsServer;
  let db: { url: string; dispose(): Promise<void> };
  let f1: ClusterProcess;
  let f2: ClusterProcess;
  let f3: ClusterProcess;
  const users: ClusterUser[] = [];
  let gina: ClusterUser;
  let hank: ClusterUser;
  let ivan: ClusterUser;

  async function online(n: ClusterProcess, name: string, resource: string) {
    const u = await connectUser(n.service, name, resource);
    users.push(u);
    await u.roster();
    const self = u.next(isPresence(u.jid));
    await u.send(xml('presence'));
    await self;
    return u;
  }

  const expectDbNodes = (n: ClusterProcess, running: string[], stopped: string[]) =>
    waitFor(
      `${n.name}: running ${running} stopped ${stopped}`,
      async () => dbNodes((await n.run(['mnesia', 'info'])).stdout),
      (v) =>
        v.running === `running db nodes   = [${running.join(', ')}]` &&
        v.stopped === `stopped db nodes   = [${stopped.join(', ')}]`,
      20_000,
    );

  /** Messages both ways between gina (fail1) and hank (fail2), checked on arrival. */
  async function exchange(tag: string): Promise<void> {
    await gina.send(chat('hank@localhost', `g2h ${tag}`));
    await hank.next(isMessage(`g2h ${tag}`));
    await hank.send(chat('gina@localhost/g', `h2g ${tag}`));
    await gina.next(isMessage(`h2g ${tag}`));
  }

  before(async () => {
    [nats, db] = await Promise.all([startNats(), createTestDatabase()]);
    const range = await freePortRange(6);
    [f1, f2, f3] = await Promise.all(
      [F1, F2, F3].map((name) =>
        makeClusterProcess({
          name,
          cookie: 'fail-cookie',
          natsUrl: nats.url,
          pgUrl: db.url,
          portMin: range.min,
          portMax: range.max,
        }),
      ),
    );
    await Promise.all([f1.start(), f2.start(), f3.start()]);
    for (const n of [f2, f3]) {
      const r = await n.run(['join_cluster', '-f', F1]);
      assert.equal(r.code, 0, r.stderr);
    }
    for (const u of ['gina', 'hank', 'ivan']) {
      assert.equal((await f1.run(['register', u, 'localhost', 'pw'])).code, 0);
    }
    await expectDbNodes(f1, [F1, F2, F3], []);
    gina = await online(f1, 'gina', 'g');
    hank = await online(f2, 'hank', 'h');
    ivan = await online(f3, 'ivan', 'i');
    await expectSessions([f1, f2, f3], [gina.jid, hank.jid, ivan.jid]);
    await subscribe(gina, ivan);
    await subscribe(hank, ivan);
    await subscribe(gina, hank);
    await subscribe(hank, gina);
  });

  after(async () => {
    await Promise.all(users.map((u) => u.stop()));
    await Promise.all([f1, f2, f3].map((n) => n?.cleanup()));
    await Promise.all([nats?.dispose(), db?.dispose()]);
  });

  test('SIGKILL: survivors list the node stopped, contacts see its users go, others keep working', async () => {
    await exchange('before');
    const ginaSees = gina.next(isPresence(ivan.jid, 'unavailable'), 20_000);
    const hankSees = hank.next(isPresence(ivan.jid, 'unavailable'), 20_000);
    await f3.kill();
    // Users of the survivors keep talking while the death is detected.
    await exchange('during');
    await expectDbNodes(f1, [F1, F2], [F3]);
    await expectDbNodes(f2, [F1, F2], [F3]);
    // The dead node's sessions were purged: its users' contacts got unavailable presence.
    await Promise.all([ginaSees, hankSees]);
    const purge = [
      ...(await f1.logged('cluster_node_down')),
      ...(await f2.logged('cluster_node_down')),
    ];
    assert.equal(purge.length, 1, 'one survivor purges (compare-and-set)');
    assert.equal(purge[0]!.node, F3);
    assert.equal(purge[0]!.purged, 1);
    const sessions = await f1.run(['connected_users']);
    assert.ok(!sessions.stdout.includes('ivan@'), sessions.stdout);
    await exchange('after');
    assert.deepEqual([...gina.errors, ...hank.errors], []);
  });

  test('remove_from_cluster removes the dead node; restarted, it stays standalone and says why', async () => {
    assert.deepEqual(await f2.run(['remove_from_cluster', '-f', F3]), {
      code: 0,
      stdout: `The node ${F3} has been removed from the cluster\n`,
      stderr: '',
    });
    await expectDbNodes(f1, [F1, F2], []);
    await f3.start();
    await expectDbNodes(f3, [F3], []);
    const removed = await f3.logged('cluster_node_was_removed');
    assert.equal(removed.length, 1);
    assert.equal(removed[0]!.removed_by, F2);
    assert.match(String(removed[0]!.hint), /To rejoin: meerkatctl join_cluster <member>/);
    const tomb = `Removed: this node was removed from cluster ${removed[0]!.cluster} by ${F2}; to rejoin: meerkatctl join_cluster MEMBER`;
    const status = await f3.run(['status']);
    assert.equal(status.code, 0, status.stderr);
    assert.ok(status.stdout.includes('Cluster: none (standalone)\n'), status.stdout);
    assert.ok(status.stdout.includes(`${tomb}\n`), status.stdout);
    const cs = await f3.run(['cluster_status']);
    assert.ok(cs.stdout.split('\n').includes(tomb), cs.stdout);
    assert.equal(JSON.parse((await f3.run(['--json', 'cluster_status'])).stdout).removed.by, F2);
    // The survivors did not take it back.
    await expectDbNodes(f2, [F1, F2], []);
    // Joining again is the operator's explicit act.
    assert.equal((await f3.run(['join_cluster', '-f', F1])).code, 0);
    await expectDbNodes(f1, [F1, F2, F3], []);
    assert.ok(!(await f3.run(['status'])).stdout.includes('Removed:'));
  });

  test('NATS outage: no node crashes, status shows it, cross-node messaging resumes', async () => {
    await exchange('before outage');
    await nats.stop();
    await waitFor(
      'fail1 to report the backbone away',
      async () => (await f1.run(['status'])).stdout,
      (out) => /^Cluster: \S+ \(backbone (reconnecting|disconnected)\)$/m.test(out),
    );
    // Local traffic goes on: gina writes to herself on another resource of the same node.
    const gina2 = await online(f1, 'gina', 'g2');
    await gina2.send(chat('gina@localhost/g', 'local during outage'));
    await gina.next(isMessage('local during outage'));
    await nats.restart();
    for (const n of [f1, f2, f3]) {
      await waitFor(
        `${n.name} backbone connected`,
        async () => JSON.parse((await n.run(['--json', 'cluster_status'])).stdout).backbone,
        (b) => b === 'connected',
        30_000,
      );
    }
    await expectDbNodes(f1, [F1, F2, F3], []);
    // The registry was re-registered: messages cross nodes again (the first one may race the
    // resync, so poll with fresh messages until one arrives).
    await waitFor(
      'gina to reach hank across nodes',
      async () => {
        const tag = `resumed ${Date.now()}`;
        await gina.send(chat('hank@localhost/h', tag));
        return hank.next(isMessage(tag), 1000).then(
          () => true,
          () => false,
        );
      },
      (ok) => ok,
      30_000,
    );
    await exchange('after outage');
    for (const n of [f1, f2, f3]) {
      const pid = await n.pid();
      assert.ok(pid !== undefined && processAlive(pid), `${n.name} is alive`);
    }
    assert.deepEqual([...gina.errors, ...hank.errors], []);
  });
});

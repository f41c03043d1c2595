import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type ClusterProcess,
  expectDbNodes,
  freePortRange,
  grepDbNodes,
  makeClusterProcess,
} from '../support/cluster-process.ts';
import { type NatsServer, startNats } from '../support/nats-server.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { TestClient } from '../support/xmpp-client.ts';

// Issue 5's operator contract, part 2: leave_cluster, remove_from_cluster of a live node,
// a stopped member, and a restart that rejoins without any command (state in the data dir).
const A = 'lr1@localhost';
const B = 'lr2@localhost';
const C = 'lr3@localhost';
const QUESTION = 'Do you want to continue? (yes/no)';

describe('leave_cluster, remove_from_cluster and restarts through meerkatctl (three node processes)', () => {
  let nats: NatsServer;
  let db: { url: string; dispose(): Promise<void> };
  let n1: ClusterProcess;
  let n2: ClusterProcess;
  let n3: ClusterProcess;

  before(async () => {
    [nats, db] = await Promise.all([startNats(), createTestDatabase()]);
    const range = await freePortRange(6);
    const common = {
      cookie: 'lr-cookie',
      natsUrl: nats.url,
      pgUrl: db.url,
      portMin: range.min,
      portMax: range.max,
    };
    [n1, n2, n3] = await Promise.all(
      [A, B, C].map((name) => makeClusterProcess({ ...common, name })),
    );
    await Promise.all([n1.start(), n2.start(), n3.start()]);
    for (const n of [n2, n3]) assert.equal((await n.run(['join_cluster', '-f', A])).code, 0);
    await Promise.all([n1, n2, n3].map((n) => expectDbNodes(n, [A, B, C])));
  });

  after(async () => {
    await Promise.all([n1, n2, n3].map((n) => n?.cleanup()));
    await Promise.all([nats?.dispose(), db?.dispose()]);
  });

  test('leave_cluster: asks, then takes the node out and closes its clients', async () => {
    await n1.run(['register', 'lea', 'localhost', 'pw']);
    const client = await TestClient.connect(n3.c2sPort);
    await client.login('lea', 'pw', { mechanism: 'PLAIN', starttls: false, resource: 'r' });

    const no = await n3.run(['leave_cluster'], { stdin: 'no\n' });
    assert.equal(no.code, 1);
    assert.ok(no.stdout.startsWith('Warning. This node will leave the cluster'));
    assert.ok(no.stdout.endsWith(`${QUESTION}\nOperation discarded by user\n`));
    await expectDbNodes(n1, [A, B, C]);

    const yes = await n3.run(['leave_cluster'], { stdin: 'yes\n' });
    assert.equal(yes.code, 0, yes.stderr);
    assert.ok(yes.stdout.endsWith(`\nYou have successfully left the node ${C} from the cluster\n`));
    // No advertised_host configured: clients are told the node shuts down for them.
    assert.equal(await client.expectStreamError(), 'system-shutdown');
    client.close();
    await expectDbNodes(n1, [A, B]);
    await expectDbNodes(n3, [C]);
    assert.deepEqual(await n3.run(['leave_cluster', '-f']), {
      code: 1,
      stdout: '',
      stderr: `Error: The node ${C} is not in the cluster\n`,
    });
  });

  test('remove_from_cluster of a live node asks it to leave; it may join again', async () => {
    assert.equal((await n3.run(['join_cluster', '-f', A])).code, 0);
    await expectDbNodes(n1, [A, B, C]);
    const r = await n1.run(['remove_from_cluster', C], { stdin: 'yes\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.endsWith(`\nThe node ${C} has been removed from the cluster\n`));
    await Promise.all([
      expectDbNodes(n1, [A, B]),
      expectDbNodes(n2, [A, B]),
      expectDbNodes(n3, [C]),
    ]);
    assert.deepEqual(await n2.run(['remove_from_cluster', '-f', C]), {
      code: 1,
      stdout: '',
      stderr: `Error: The node ${C} is not a member of the cluster\n`,
    });
    assert.equal((await n3.run(['join_cluster', '-f', B])).code, 0);
    await Promise.all([n1, n2, n3].map((n) => expectDbNodes(n, [A, B, C])));
  });

  test('a stopped member is listed as stopped; restarted, it is a member again without a command', async () => {
    await n2.stop();
    await expectDbNodes(n1, [A, C], [B]);
    assert.equal(await grepDbNodes(n3.dir, 'stopped'), `stopped db nodes   = [${B}]\n`);
    await n2.start();
    await Promise.all([n1, n2, n3].map((n) => expectDbNodes(n, [A, B, C])));
    const rejoined = await n2.logged('cluster_joined');
    assert.equal(rejoined.at(-1)?.rejoin, true);
    // restart (stop + start in one command) too.
    assert.equal((await n3.run(['restart'])).code, 0);
    await Promise.all([n1, n2, n3].map((n) => expectDbNodes(n, [A, B, C])));
  });
});

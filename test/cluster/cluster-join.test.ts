import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type ClusterProcess,
  dbNodesOf,
  expectDbNodes,
  freePortRange,
  grepDbNodes,
  makeClusterProcess,
} from '../support/cluster-process.ts';
import { type NatsServer, startNats } from '../support/nats-server.ts';
import { createTestDatabase } from '../support/postgres.ts';

// Issue 5's operator contract, part 1: join_cluster (prompts, -f, refusals), mnesia info,
// cluster_status, exit codes. Three node processes driven by the real meerkatctl.
const A = 'meerkat1@localhost';
const B = 'meerkat2@localhost';
const C = 'meerkat3@localhost';
const QUESTION = 'Do you want to continue? (yes/no)';

describe('join_cluster, mnesia info, cluster_status through meerkatctl (three node processes)', () => {
  let nats: NatsServer;
  let db: { url: string; dispose(): Promise<void> };
  let n1: ClusterProcess;
  let n2: ClusterProcess;
  let n3: ClusterProcess;

  before(async () => {
    [nats, db] = await Promise.all([startNats(), createTestDatabase()]);
    // One control port range for every node: meerkatctl and the nodes find a node by its name
    // on the ports of the range (ARCHITECTURE.md §3).
    const range = await freePortRange(6);
    const common = {
      cookie: 'join-cookie',
      natsUrl: nats.url,
      pgUrl: db.url,
      portMin: range.min,
      portMax: range.max,
    };
    [n1, n2, n3] = await Promise.all(
      [A, B, C].map((name) => makeClusterProcess({ ...common, name })),
    );
    await Promise.all([n1.start(), n2.start(), n3.start()]);
  });

  after(async () => {
    await Promise.all([n1, n2, n3].map((n) => n?.cleanup()));
    await Promise.all([nats?.dispose(), db?.dispose()]);
  });

  test('standalone: mnesia info lists the node alone; leave_cluster and remove refuse', async () => {
    assert.deepEqual(await dbNodesOf(n1), {
      running: `running db nodes   = [${A}]`,
      stopped: 'stopped db nodes   = []',
    });
    assert.deepEqual(await n1.run(['leave_cluster', '-f']), {
      code: 1,
      stdout: '',
      stderr: `Error: The node ${A} is not in the cluster\n`,
    });
    // MEMBER not running: nothing answers under that name.
    const ghost = await n1.run(['join_cluster', '-f', 'ghost@localhost']);
    assert.equal(ghost.code, 1);
    assert.match(
      ghost.stderr,
      /^Error: cannot reach the node ghost@localhost: (no node answers|not found) on /,
    );
    const rm = await n1.run(['-f', 'remove_from_cluster', B]);
    assert.equal(rm.code, 1);
    assert.equal(rm.stderr, `Error: The node ${A} is not in the cluster\n`);
    const status = await n1.run(['cluster_status']);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^Cluster: none \(standalone\)$/m);
    assert.ok((await n1.run(['status'])).stdout.includes('Cluster: none (standalone)\n'));
  });

  test('join_cluster asks first: no discards, anything else asks again, end of input is no', async () => {
    const no = await n2.run(['join_cluster', A], { stdin: 'no\n' });
    assert.equal(no.code, 1);
    const lines = no.stdout.split('\n');
    assert.match(
      lines[0]!,
      new RegExp(`^Warning\\. .*${A}.* ${QUESTION.replace(/[?()]/g, '\\$&')}$`),
    );
    assert.deepEqual(lines.slice(1), ['Operation discarded by user', '']);

    const again = await n2.run(['join_cluster', A], { stdin: 'maybe\n\nNo\n' });
    assert.equal(again.code, 1);
    assert.deepEqual(again.stdout.split('\n').slice(1), [
      QUESTION,
      QUESTION,
      'Operation discarded by user',
      '',
    ]);

    const eof = await n2.run(['join_cluster', A], { stdin: 'perhaps' });
    assert.equal(eof.code, 1);
    assert.deepEqual(eof.stdout.split('\n').slice(1), [
      QUESTION,
      'Operation discarded by user',
      '',
    ]);
    // Nothing changed on either side.
    await expectDbNodes(n2, [B]);
    await expectDbNodes(n1, [A]);
  });

  test('join_cluster answered yes joins; -f joins without asking', async () => {
    const yes = await n2.run(['join_cluster', A], { stdin: 'yes\n' });
    assert.equal(yes.code, 0, yes.stderr);
    const lines = yes.stdout.split('\n');
    assert.ok(lines[0]!.endsWith(QUESTION));
    assert.deepEqual(lines.slice(1), [
      `You have successfully joined the node ${B} to the cluster with node member ${A}`,
      '',
    ]);
    await expectDbNodes(n1, [A, B]);
    await expectDbNodes(n2, [A, B]);

    assert.deepEqual(await n3.run(['join_cluster', '-f', B]), {
      code: 0,
      stdout: `You have successfully joined the node ${C} to the cluster with node member ${B}\n`,
      stderr: '',
    });
    await Promise.all([n1, n2, n3].map((n) => expectDbNodes(n, [A, B, C])));
    assert.equal(await grepDbNodes(n1.dir, 'running'), `running db nodes   = [${A}, ${B}, ${C}]\n`);
    assert.equal(await grepDbNodes(n3.dir, 'stopped'), 'stopped db nodes   = []\n');
  });

  test('join_cluster refuses, changing nothing: already joined, self, SELF in another cluster', async () => {
    const refuse = async (n: ClusterProcess, member: string, reason: string | RegExp) => {
      const r = await n.run(['join_cluster', '-f', member]);
      assert.equal(r.code, 1, `${r.stdout}${r.stderr}`);
      assert.equal(r.stdout, '');
      if (typeof reason === 'string') assert.equal(r.stderr, `Error: ${reason}\n`);
      else assert.match(r.stderr, reason);
    };
    await refuse(n3, A, `The node ${A} has already joined the cluster`);
    await refuse(n3, C, `The node ${C} has already joined the cluster`);
    // SELF is in a cluster and MEMBER is not in it: leave first (checked before any contact).
    await refuse(
      n3,
      'ghost@localhost',
      /^Error: the node meerkat3@localhost is already in the cluster \S+; leave it first \(meerkatctl leave_cluster\)\n$/,
    );
    await Promise.all([n1, n2, n3].map((n) => expectDbNodes(n, [A, B, C])));
  });

  test('cluster_status shows members with state, sessions, uptime and the backbone', async () => {
    const text = await n1.run(['cluster_status']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^Cluster: [A-Za-z0-9_-]+$/m);
    assert.match(text.stdout, /^Backbone: connected$/m);
    for (const name of [A, B, C]) {
      assert.match(
        text.stdout,
        new RegExp(`^  ${name}  running  sessions=\\d+  uptime=\\d+s$`, 'm'),
      );
    }
    const json = JSON.parse((await n2.run(['--json', 'cluster_status'])).stdout);
    assert.equal(json.backbone, 'connected');
    assert.equal(typeof json.cluster, 'string');
    assert.deepEqual(
      json.members.map((m: { name: string; state: string }) => [m.name, m.state]),
      [
        [A, 'running'],
        [B, 'running'],
        [C, 'running'],
      ],
    );
    assert.ok(json.members.every((m: { uptimeSeconds: number }) => m.uptimeSeconds >= 0));
    const status = await n3.run(['status']);
    assert.ok(
      status.stdout.includes(`Cluster: ${json.cluster} (backbone connected)\n`),
      status.stdout,
    );
  });

  test('usage errors exit 2, an unreachable node exits 3', async () => {
    for (const args of [
      ['join_cluster'],
      ['mnesia'],
      ['mnesia', 'status'],
      ['remove_from_cluster', 'not-a-node'],
    ]) {
      const r = await n1.run(args);
      assert.equal(r.code, 2, `${args}: ${r.stderr}`);
      assert.match(r.stderr, /^Error: .*\nUsage: meerkatctl /);
    }
    const gone = await n1.run(['--node', 'ghost@localhost', 'cluster_status']);
    assert.equal(gone.code, 3);
    assert.match(gone.stderr, /^Failed to connect to the node ghost@localhost: /);
  });

  test('remove_from_cluster refuses itself and non-members', async () => {
    assert.deepEqual(await n1.run(['remove_from_cluster', '-f', A]), {
      code: 1,
      stdout: '',
      stderr: `Error: the node ${A} is this node: use leave_cluster\n`,
    });
    assert.deepEqual(await n1.run(['remove_from_cluster', '-f', 'ghost@localhost']), {
      code: 1,
      stdout: '',
      stderr: 'Error: The node ghost@localhost is not a member of the cluster\n',
    });
    const no = await n1.run(['remove_from_cluster', C], { stdin: 'no\n' });
    assert.equal(no.code, 1);
    assert.ok(no.stdout.startsWith(`Warning. The node ${C} will be removed from the cluster`));
    assert.ok(no.stdout.endsWith(`${QUESTION}\nOperation discarded by user\n`));
    await expectDbNodes(n1, [A, B, C]);
  });
});

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { MEERKATCTL } from '../cli/support/cli-node.ts';
import {
  type ClusterProcess,
  dbNodes,
  freePortRange,
  makeClusterProcess,
  waitFor,
} from '../support/cluster-process.ts';
import { type NatsServer, startNats } from '../support/nats-server.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { TestClient } from '../support/xmpp-client.ts';

const A = 'meerkat1@localhost';
const B = 'meerkat2@localhost';
const C = 'meerkat3@localhost';
const D = 'meerkat4@localhost';
const QUESTION = 'Do you want to continue? (yes/no)';

/** The seed's own pipeline, through a shell: `meerkatctl mnesia info | grep "running db nodes"`. */
function grepDbNodes(cwd: string, word: 'running' | 'stopped'): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'sh',
      ['-c', `"$0" "$1" mnesia info | grep "${word} db nodes"`, process.execPath, MEERKATCTL],
      { cwd },
      (err, stdout) => (err ? reject(err) : resolve(stdout)),
    );
  });
}

async function dbNodesOf(n: ClusterProcess) {
  const r = await n.run(['mnesia', 'info']);
  assert.equal(r.code, 0, r.stderr);
  return dbNodes(r.stdout);
}

/** Waits until `n` sees exactly these running and stopped db nodes. */
function expectDbNodes(n: ClusterProcess, running: string[], stopped: string[] = []) {
  return waitFor(
    `${n.name}: running ${running} stopped ${stopped}`,
    () => dbNodesOf(n),
    (v) =>
      v.running === `running db nodes   = [${running.join(', ')}]` &&
      v.stopped === `stopped db nodes   = [${stopped.join(', ')}]`,
  );
}

describe('cluster commands through the real meerkatctl: three node processes, NATS, PostgreSQL', () => {
  let nats: NatsServer;
  let otherNats: NatsServer;
  let db: { url: string; dispose(): Promise<void> };
  let otherDb: { url: string; dispose(): Promise<void> };
  let n1: ClusterProcess;
  let n2: ClusterProcess;
  let n3: ClusterProcess;
  let n4: ClusterProcess;
  const cookie = 'issue5-cookie';

  before(async () => {
    [nats, otherNats, db, otherDb] = await Promise.all([
      startNats(),
      startNats(),
      createTestDatabase(),
      createTestDatabase(),
    ]);
    // One control port range for every node: meerkatctl and the nodes find a node by its name
    // on the ports of the range (ARCHITECTURE.md §3).
    const range = await freePortRange(8);
    const common = {
      cookie,
      natsUrl: nats.url,
      pgUrl: db.url,
      portMin: range.min,
      portMax: range.max,
    };
    [n1, n2, n3, n4] = await Promise.all([
      makeClusterProcess({ ...common, name: A }),
      makeClusterProcess({ ...common, name: B }),
      makeClusterProcess({ ...common, name: C }),
      // The odd one: SQLite first, then other settings one at a time.
      makeClusterProcess({ ...common, name: D, pgUrl: undefined }),
    ]);
    await Promise.all([n1.start(), n2.start(), n3.start(), n4.start()]);
  });

  after(async () => {
    await Promise.all([n1, n2, n3, n4].map((n) => n?.cleanup()));
    await Promise.all([nats?.dispose(), otherNats?.dispose(), db?.dispose(), otherDb?.dispose()]);
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
    for (const n of [n1, n2, n3]) await expectDbNodes(n, [A, B, C]);
    assert.equal(await grepDbNodes(n1.dir, 'running'), `running db nodes   = [${A}, ${B}, ${C}]\n`);
    assert.equal(await grepDbNodes(n3.dir, 'stopped'), 'stopped db nodes   = []\n');
  });

  test('join_cluster refuses, changing nothing: already joined, self, unreachable, in another cluster', async () => {
    const refuse = async (n: ClusterProcess, member: string, reason: string | RegExp) => {
      const r = await n.run(['join_cluster', '-f', member]);
      assert.equal(r.code, 1, `${r.stdout}${r.stderr}`);
      assert.equal(r.stdout, '');
      if (typeof reason === 'string') assert.equal(r.stderr, `Error: ${reason}\n`);
      else assert.match(r.stderr, reason);
    };
    await refuse(n3, A, `The node ${A} has already joined the cluster`);
    await refuse(n3, C, `The node ${C} has already joined the cluster`);
    // SELF is in a cluster and MEMBER (standalone) is not in it: leave first.
    await refuse(
      n3,
      D,
      /^Error: the node meerkat3@localhost is already in the cluster \S+; leave it first \(meerkatctl leave_cluster\)\n$/,
    );
    // MEMBER not running.
    await refuse(n4, 'ghost@localhost', /^Error: cannot reach the node ghost@localhost: /);
    for (const n of [n1, n2, n3]) await expectDbNodes(n, [A, B, C]);
    await expectDbNodes(n4, [D]);
  });

  test('join_cluster refuses a node whose storage, database, backbone or cookie differ', async () => {
    const attempt = async () => {
      const r = await n4.run(['join_cluster', '-f', A]);
      assert.equal(r.code, 1, `${r.stdout}${r.stderr}`);
      return r.stderr;
    };
    // SQLite: it cannot share data with the cluster.
    assert.match(
      await attempt(),
      /^Error: the node meerkat4@localhost uses sqlite storage; a cluster needs one shared PostgreSQL: set \[storage\] backend = "postgres" and the same postgres.url on every node\n$/,
    );
    await n4.stop();
    await n4.configure({ pgUrl: otherDb.url });
    await n4.start();
    assert.match(
      await attempt(),
      /^Error: the nodes use different databases \(meerkat4@localhost: postgres:\S+, meerkat1@localhost: postgres:\S+\); set the same \[storage\] postgres.url on both\n$/,
    );
    await n4.stop();
    await n4.configure({ pgUrl: db.url, natsUrl: otherNats.url });
    await n4.start();
    assert.match(
      await attempt(),
      /^Error: the nodes use different NATS systems \(meerkat4@localhost: nats:\/\/\S+, meerkat1@localhost: nats:\/\/\S+\); set the same \[cluster\] nats.servers on both\n$/,
    );
    await n4.stop();
    await n4.configure({ natsUrl: nats.url, cookie: 'another-cookie' });
    await n4.start();
    assert.match(await attempt(), /^Error: cannot reach the node meerkat1@localhost: .*cookie/);
    // The operator's own meerkatctl with a wrong cookie cannot act on a node: exit 3.
    const wrong = await n1.run(['--cookie', 'another-cookie', 'mnesia', 'info']);
    assert.equal(wrong.code, 3);
    assert.match(wrong.stderr, /^Failed to connect to the node meerkat1@localhost: /);
    for (const n of [n1, n2, n3]) await expectDbNodes(n, [A, B, C]);
    await expectDbNodes(n4, [D]);
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
    assert.deepEqual(await n1.run(['remove_from_cluster', '-f', D]), {
      code: 1,
      stdout: '',
      stderr: `Error: The node ${D} is not a member of the cluster\n`,
    });
    const no = await n1.run(['remove_from_cluster', C], { stdin: 'no\n' });
    assert.equal(no.code, 1);
    assert.ok(no.stdout.startsWith(`Warning. The node ${C} will be removed from the cluster`));
    assert.ok(no.stdout.endsWith(`${QUESTION}\nOperation discarded by user\n`));
    await expectDbNodes(n1, [A, B, C]);
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
    await expectDbNodes(n1, [A, B]);
    await expectDbNodes(n2, [A, B]);
    await expectDbNodes(n3, [C]);
    assert.deepEqual(await n2.run(['remove_from_cluster', '-f', C]), {
      code: 1,
      stdout: '',
      stderr: `Error: The node ${C} is not a member of the cluster\n`,
    });
    assert.equal((await n3.run(['join_cluster', '-f', B])).code, 0);
    for (const n of [n1, n2, n3]) await expectDbNodes(n, [A, B, C]);
  });

  test('a stopped member is listed as stopped; restarted, it is a member again without a command', async () => {
    await n2.stop();
    await expectDbNodes(n1, [A, C], [B]);
    assert.equal(await grepDbNodes(n3.dir, 'stopped'), `stopped db nodes   = [${B}]\n`);
    await n2.start();
    for (const n of [n1, n2, n3]) await expectDbNodes(n, [A, B, C]);
    const rejoined = await n2.logged('cluster_joined');
    assert.equal(rejoined.at(-1)?.rejoin, true);
    // restart (stop + start in one command) too.
    assert.equal((await n3.run(['restart'])).code, 0);
    for (const n of [n1, n2, n3]) await expectDbNodes(n, [A, B, C]);
  });
});

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { processAlive } from '../../src/cli/pid-file.ts';
import { MEERKATCTL, makeNodeDir, type NodeDir } from './support/cli-node.ts';

describe('meerkatctl node lifecycle against a real node process', () => {
  let n: NodeDir;
  before(async () => {
    n = await makeNodeDir();
  });
  after(() => n.cleanup());

  test('before start: status, ping and stop report the node unreachable (exit 3)', async () => {
    const status = await n.run(['status']);
    assert.equal(status.code, 3);
    assert.match(status.stderr, new RegExp(`^Failed to connect to the node ${n.nodeName}: `, 'm'));
    const ping = await n.run(['ping']);
    assert.equal(ping.code, 3);
    assert.equal(ping.stdout, 'pang\n');
    assert.equal((await n.run(['stop'])).code, 3);
  });

  test('start daemonizes and writes the pid file; started waits for it', async () => {
    const start = await n.run(['start']);
    assert.equal(start.code, 0, start.stderr);
    assert.match(start.stdout, new RegExp(`^Starting node ${n.nodeName} \\(pid \\d+\\)`));
    const started = await n.run(['started', '--timeout', '60']);
    assert.equal(started.code, 0, started.stderr);
    assert.equal(started.stdout, `Node ${n.nodeName} is started\n`);
    const pid = await n.pid();
    assert.ok(pid !== undefined && processAlive(pid));
    assert.equal((await n.run(['ping'])).stdout, 'pong\n');
  });

  test('start twice: Node is already running!, exit 1', async () => {
    const again = await n.run(['start']);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, 'Node is already running!\n');
  });

  test('status shows every field and exits 0 when started', async () => {
    const r = await n.run(['status']);
    assert.equal(r.code, 0, r.stderr);
    const pid = await n.pid();
    for (const line of [
      `Node: ${n.nodeName}`,
      `OS pid: ${pid}`,
      'Status: started',
      'Version: 0.1.0',
      `  c2s 127.0.0.1:${n.c2sPort}`,
      `Data dir: ${n.dataDir}`,
      `Log file: ${join(n.dataDir, 'meerkat.log')}`,
    ]) {
      assert.ok(r.stdout.split('\n').includes(line), `missing '${line}' in\n${r.stdout}`);
    }
    assert.match(r.stdout, /^Uptime: (\d+m )?\d+s$/m);
    assert.match(r.stdout, /^ {2}control 127\.0\.0\.1:\d+$/m);
    assert.match(r.stdout, /^Open files limit: \d+ \(hard \d+\)$/m);
    const json = JSON.parse((await n.run(['--json', 'status'])).stdout);
    assert.equal(json.status, 'started');
    assert.equal(json.pid, pid);
    assert.ok(json.fdLimit.soft > 0);
    assert.ok(json.listeners.some((l: { kind: string; port: number }) => l.port === n.c2sPort));
  });

  test('restart: a new process, started again', async () => {
    const before = await n.pid();
    const r = await n.run(['restart']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `Node ${n.nodeName} restarted\n`);
    const after = await n.pid();
    assert.notEqual(after, before);
    assert.equal(processAlive(before!), false);
    assert.equal((await n.run(['status'])).code, 0);
  });

  test('stop is graceful and waits; stopped and started then agree', async () => {
    const pid = await n.pid();
    const r = await n.run(['stop']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `Node ${n.nodeName} stopped\n`);
    assert.equal(processAlive(pid!), false);
    assert.equal(existsSync(join(n.dataDir, 'meerkat.pid')), false);
    const log = await n.log();
    assert.ok(log.some((l) => l.what === 'node_stopped' && l.pid === pid));
    assert.equal((await n.run(['stopped', '--timeout', '5'])).code, 0);
    const notUp = await n.run(['started', '--timeout', '1']);
    assert.equal(notUp.code, 3);
    assert.match(notUp.stderr, /not started within 1s/);
  });

  test('foreground runs attached, logs to stdout, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [MEERKATCTL, 'foreground'], {
      cwd: n.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    assert.equal((await n.run(['started', '--timeout', '60'])).code, 0);
    assert.match(stdout, /"what":"node_started"/);
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(stdout, /"what":"node_stopped"/);
    assert.equal((await n.run(['ping'])).stdout, 'pang\n');
  });
});

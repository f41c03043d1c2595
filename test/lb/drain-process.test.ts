import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { processAlive } from '../../src/cli/pid-file.ts';
import { makeNodeDir, type NodeDir } from '../cli/support/cli-node.ts';
import { TestClient } from '../support/xmpp-client.ts';
import { waitFor } from './support/child.ts';

const PW = 'drain-pw';

/** A daemon node (meerkatctl start) with `users` logged in over plain TCP. */
async function nodeWithClients(users: string[]): Promise<{ n: NodeDir; clients: TestClient[] }> {
  const n = await makeNodeDir();
  const started = await n.run(['start']);
  assert.equal(started.code, 0, started.stderr);
  assert.equal((await n.run(['started', '--timeout', '60'])).code, 0);
  const clients: TestClient[] = [];
  for (const user of users) {
    assert.equal((await n.run(['register', user, 'localhost', PW])).code, 0);
    const c = await TestClient.connect(n.c2sPort);
    await c.login(user, PW, { mechanism: 'PLAIN', starttls: false });
    clients.push(c);
  }
  return { n, clients };
}

async function exits(n: NodeDir, pid: number): Promise<void> {
  await waitFor(`node ${n.nodeName} to exit`, async () => (processAlive(pid) ? undefined : true), {
    timeoutMs: 60_000,
  });
}

describe('drain of a node process', () => {
  const dirs: NodeDir[] = [];
  after(async () => {
    for (const n of dirs) await n.cleanup();
  });

  test('meerkatctl drain: clients are told system-shutdown, then the node stops', async () => {
    const { n, clients } = await nodeWithClients(['dra', 'drb', 'drc']);
    dirs.push(n);
    const pid = await n.pid();
    assert.ok(pid);
    const r = await n.run(['drain', '--timeout', '40', '--batch', '50']);
    assert.equal(r.code, 0, r.stderr);
    // The command's own flags reach the node: its answer and its log carry them.
    assert.match(r.stdout, /^Draining node .*; it stops within 40 s\n$/);
    for (const c of clients) assert.equal(await c.expectStreamError(15_000), 'system-shutdown');
    await exits(n, pid);
    const log = await n.log();
    assert.equal(log.find((l) => l.what === 'drain_started')?.batchPercent, 50);
    const done = log.find((l) => l.what === 'drain_done');
    assert.deepEqual(
      { sessions: done?.sessions, asked: done?.asked, remaining: done?.remaining },
      { sessions: 3, asked: 3, remaining: 0 },
    );
    assert.ok(log.some((l) => l.what === 'node_stopped'));
  });

  test('SIGTERM drains before stopping', async () => {
    const { n, clients } = await nodeWithClients(['drd']);
    dirs.push(n);
    const pid = await n.pid();
    assert.ok(pid);
    process.kill(pid, 'SIGTERM');
    assert.equal(await clients[0]!.expectStreamError(15_000), 'system-shutdown');
    await exits(n, pid);
    const log = await n.log();
    const whats = log.map((l) => l.what);
    assert.ok(log.some((l) => l.what === 'node_drain_requested' && l.reason === 'SIGTERM'));
    // In this order: the drain, then the stop.
    assert.ok(whats.indexOf('drain_started') < whats.indexOf('drain_done'));
    assert.ok(whats.indexOf('drain_done') < whats.indexOf('node_stopped'));
  });
});

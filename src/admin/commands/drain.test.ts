import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CommandError, type CommandFlags, runCommand, UsageError } from '../command-registry.ts';
import type { AdminServices, DrainRequest, NodeAdmin } from '../services.ts';
import { drain, drainRequest } from './drain.ts';

function services(node: Partial<NodeAdmin>): AdminServices {
  const base: NodeAdmin = {
    name: 'meerkat@localhost',
    pid: 1,
    version: '0',
    status: () => 'started',
    startedAt: 0,
    dataDir: '/tmp',
    logFile: undefined,
    listeners: () => [],
    fdLimit: () => undefined,
    stop: async () => {},
  };
  return { node: { ...base, ...node } } as AdminServices;
}

describe('drain command', () => {
  test('flags become the drain request (seconds → ms)', () => {
    assert.deepEqual(
      drainRequest({ timeout: '30', batch: '25', grace: '4', 'see-other-host': 'lb.example:5222' }),
      { timeoutMs: 30_000, batchPercent: 25, graceMs: 4000, seeOtherHost: 'lb.example:5222' },
    );
    assert.deepEqual(drainRequest({}), {
      timeoutMs: undefined,
      batchPercent: undefined,
      graceMs: undefined,
      seeOtherHost: undefined,
    });
  });

  test('bad flag values are usage errors', () => {
    const bad: CommandFlags[] = [
      { timeout: '0' },
      { timeout: 'soon' },
      { timeout: true },
      { batch: '101' },
      { 'see-other-host': 'a b' },
    ];
    for (const flags of bad) {
      assert.throws(() => drainRequest(flags), UsageError, JSON.stringify(flags));
    }
  });

  test('answers at once and drains in the background', async () => {
    const requests: DrainRequest[] = [];
    let finish!: () => void;
    const svc = services({
      drain: (r) => {
        requests.push(r);
        return new Promise((resolve) => {
          finish = () => resolve({ sessions: 0, asked: 0, remaining: 0, durationMs: 0 });
        });
      },
    });
    const out = await runCommand(drain, svc, [], { timeout: '5' });
    assert.equal(out.text, 'Draining node meerkat@localhost; it stops within 5 s');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(
      requests.map((r) => r.timeoutMs),
      [5000],
    );
    finish();
  });

  test('refused when the node is not started or cannot drain', async () => {
    const stopping = services({ status: () => 'stopping', drain: async () => ({}) as never });
    await assert.rejects(runCommand(drain, stopping, [], {}), CommandError);
    await assert.rejects(runCommand(drain, services({}), [], {}), CommandError);
  });
});

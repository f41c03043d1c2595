import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StreamError } from '../errors/index.ts';
import { type DrainDeps, type DrainTarget, drainNode } from './drain.ts';

/** Sessions that leave when asked; `ticks` records how many were asked before each sleep. */
function fakeNode(n: number, opts: { stubborn?: number } = {}) {
  const live = new Set<DrainTarget>();
  const errors: StreamError[] = [];
  const events: string[] = [];
  let asked = 0;
  for (let i = 0; i < n; i++) {
    const s: DrainTarget = {
      async close(err) {
        errors.push(err);
        asked++;
        if (i >= (opts.stubborn ?? 0)) live.delete(s);
      },
    };
    live.add(s);
  }
  const deps: DrainDeps = {
    setDraining: (on) => events.push(`draining=${on}`),
    stopAccepting: () => events.push('stop-accepting'),
    sessions: () => [...live],
    log: { info: () => {} },
    sleep: async (ms) => {
      events.push(`sleep ${ms} after ${asked}`);
      await new Promise((r) => setImmediate(r));
    },
  };
  return { deps, errors, events, live };
}

describe('drainNode', () => {
  test('ready off first, then listeners, then batches of the configured share', async () => {
    const f = fakeNode(25);
    const r = await drainNode(f.deps, { batchPercent: 20, intervalMs: 1000 });
    // 20% of 25 = 5 a batch: five batches, a sleep after each but the last.
    assert.deepEqual(f.events, [
      'draining=true',
      'stop-accepting',
      'sleep 1000 after 5',
      'sleep 1000 after 10',
      'sleep 1000 after 15',
      'sleep 1000 after 20',
      'sleep 1000 after 25',
    ]);
    assert.deepEqual(r.sessions, 25);
    assert.equal(r.asked, 25);
    assert.equal(r.remaining, 0);
    assert.ok(f.errors.every((e) => e.condition === 'system-shutdown'));
  });

  test('see-other-host when a host is given, each session asked once', async () => {
    const f = fakeNode(3);
    await drainNode(f.deps, { seeOtherHost: 'xmpp.example.net:5222' });
    assert.equal(f.errors.length, 3);
    for (const e of f.errors) {
      assert.equal(e.condition, 'see-other-host');
      assert.equal(e.seeOtherHost, 'xmpp.example.net:5222');
    }
  });

  test('a grace period passes before the listeners close', async () => {
    const f = fakeNode(0);
    await drainNode(f.deps, { graceMs: 3000 });
    assert.deepEqual(f.events, ['draining=true', 'sleep 3000 after 0', 'stop-accepting']);
  });

  test('sessions that do not leave are reported once the timeout has passed', async () => {
    const f = fakeNode(4, { stubborn: 2 });
    const r = await drainNode(f.deps, { timeoutMs: 1, intervalMs: 1, batchPercent: 100 });
    assert.equal(r.asked, 4);
    assert.equal(r.remaining, 2);
  });
});

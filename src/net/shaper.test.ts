import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PauseGate, ReadShaper, TokenBucket } from './shaper.ts';

function target() {
  const calls: string[] = [];
  return { calls, pause: () => calls.push('pause'), resume: () => calls.push('resume') };
}

describe('token bucket', () => {
  test('starts with one second of credit and reading within it needs no wait', () => {
    const b = new TokenBucket(1000, { now: 0 });
    assert.equal(b.take(600, 0), 0);
    assert.equal(b.take(400, 0), 0);
    assert.equal(b.available(0), 0);
  });

  test('a debt is repaid at the rate: the wait is debt / rate', () => {
    const b = new TokenBucket(1000, { now: 0 });
    // 1000 of credit, 3000 read: a debt of 2000 bytes is 2 s at 1000 B/s.
    assert.equal(b.take(3000, 0), 2000);
    assert.equal(b.take(0, 1000), 1000);
    assert.equal(b.take(0, 2000), 0);
  });

  test('refills at the rate and never beyond the burst', () => {
    const b = new TokenBucket(20_000, { now: 0 });
    b.take(20_000, 0);
    assert.equal(b.available(500), 10_000);
    assert.equal(b.available(60_000), 20_000);
    const small = new TokenBucket(1000, { burst: 100, now: 0 });
    assert.equal(small.available(10_000), 100);
    assert.equal(small.take(1100, 10_000), 1000);
  });

  test('reading 100 KiB at 20000 B/s takes at least (100 KiB - burst) / rate in total waits', () => {
    const b = new TokenBucket(20_000, { now: 0 });
    let now = 0;
    for (let i = 0; i < 100; i++) now += b.take(1024, now);
    // The first 20000 bytes are credit; the remaining 82400 cost 4.12 s.
    assert.ok(now >= 4120, `waited ${now} ms`);
    assert.ok(now <= 4200, `waited ${now} ms`);
  });

  test('a clock going backwards refills nothing', () => {
    const b = new TokenBucket(1000, { now: 5000 });
    b.take(1000, 5000);
    assert.equal(b.available(1000), 0);
    assert.equal(b.available(5500), 500);
  });

  test('refuses a rate that is not positive', () => {
    assert.throws(() => new TokenBucket(0), RangeError);
  });
});

describe('pause gate', () => {
  test('input flows only when no reason holds it', () => {
    const t = target();
    const g = new PauseGate(t);
    g.hold('session');
    g.hold('shaper');
    g.release('shaper');
    assert.deepEqual(t.calls, ['pause']);
    g.release('session');
    assert.deepEqual(t.calls, ['pause', 'resume']);
    g.release('session');
    assert.deepEqual(t.calls, ['pause', 'resume']);
  });

  test('a new target inherits the holds', () => {
    const a = target();
    const b = target();
    const g = new PauseGate(a);
    g.hold('shaper');
    g.retarget(b);
    assert.deepEqual(b.calls, ['pause']);
    g.release('shaper');
    assert.deepEqual(b.calls, ['pause', 'resume']);
  });
});

describe('read shaper', () => {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  test('delivers within credit at once; past it pauses, delivers once paid, resumes', async () => {
    const t = target();
    const got: string[] = [];
    let now = 0;
    const shaper = new ReadShaper(new TokenBucket(1000, { now: 0 }), new PauseGate(t), () => now);
    shaper.push(500, () => got.push('a'));
    assert.deepEqual(got, ['a']);
    shaper.push(510, () => got.push('b')); // 10 bytes of debt: 10 ms
    assert.deepEqual(got, ['a']);
    assert.deepEqual(t.calls, ['pause']);
    now = 10;
    await sleep(40);
    assert.deepEqual(got, ['a', 'b']);
    assert.deepEqual(t.calls, ['pause', 'resume']);
    shaper.stop();
  });

  test('chunks emitted after the pause wait behind the first, in order', async () => {
    const t = target();
    const got: string[] = [];
    let now = 0;
    const shaper = new ReadShaper(new TokenBucket(1000, { now: 0 }), new PauseGate(t), () => now);
    shaper.push(1010, () => got.push('a'));
    shaper.push(20, () => got.push('b')); // already parsed when pause() was called
    now = 10;
    await sleep(40);
    // The debt of both (30 bytes) is not repaid at 10 ms: nothing delivered yet.
    assert.deepEqual(got, []);
    assert.deepEqual(t.calls, ['pause']);
    now = 30;
    await sleep(60);
    assert.deepEqual(got, ['a', 'b']);
    assert.deepEqual(t.calls, ['pause', 'resume']);
    shaper.stop();
  });

  test('bytes delivered by time t never exceed burst + rate * t', async () => {
    // Real clock, lower bounds only: a slow machine delivers later, never earlier.
    const rate = 100_000; // 100 bytes per ms
    const shaper = new ReadShaper(new TokenBucket(rate, { burst: 1000 }), new PauseGate(target()));
    // The shaper's timers are unref'd: something must keep the test's event loop alive.
    const keepAlive = setInterval(() => {}, 1000);
    const t0 = performance.now();
    const seen: { at: number; total: number }[] = [];
    let total = 0;
    const order: number[] = [];
    for (let i = 0; i < 10; i++) {
      // One chunk at a time, as a paused socket reads (the burst goes through at once).
      await new Promise<void>((resolve) =>
        shaper.push(1000, () => {
          total += 1000;
          order.push(i);
          seen.push({ at: performance.now(), total });
          resolve();
        }),
      );
    }
    for (let i = 0; i < 3; i++) shaper.push(500, () => order.push(10 + i));
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(order, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    for (const e of seen) {
      assert.ok(e.total <= 1000 + ((e.at - t0) * rate) / 1000, JSON.stringify(e));
    }
    shaper.stop();
    clearInterval(keepAlive);
  });

  test('stop() clears the timer and the waiting chunks: nothing delivered after close', async () => {
    const t = target();
    const got: string[] = [];
    const shaper = new ReadShaper(new TokenBucket(1000, { now: 0 }), new PauseGate(t), () => 0);
    shaper.push(1010, () => got.push('a'));
    shaper.stop();
    await sleep(40);
    assert.equal(got.length, 0);
    assert.deepEqual(t.calls, ['pause']);
    assert.equal(shaper.pending, 0);
    shaper.push(10, () => got.push('b'));
    assert.equal(got.length, 0);
  });
});

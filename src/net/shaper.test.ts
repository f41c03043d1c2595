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
  test('pauses past the rate and resumes once the debt is repaid', async () => {
    const t = target();
    let now = 0;
    const shaper = new ReadShaper(new TokenBucket(1000, { now: 0 }), new PauseGate(t), () => now);
    shaper.count(500);
    assert.deepEqual(t.calls, []);
    shaper.count(510); // 10 bytes of debt: 10 ms
    assert.deepEqual(t.calls, ['pause']);
    now = 10;
    await new Promise((r) => setTimeout(r, 40));
    assert.deepEqual(t.calls, ['pause', 'resume']);
    shaper.stop();
  });

  test('stop() clears the timer: a closed connection is never resumed', async () => {
    const t = target();
    const shaper = new ReadShaper(new TokenBucket(1000, { now: 0 }), new PauseGate(t), () => 0);
    shaper.count(1010);
    shaper.stop();
    await new Promise((r) => setTimeout(r, 40));
    assert.deepEqual(t.calls, ['pause']);
    shaper.count(5000);
    assert.deepEqual(t.calls, ['pause']);
  });

  test('waits again when chunks read while paused deepened the debt', async () => {
    const t = target();
    let now = 0;
    const shaper = new ReadShaper(new TokenBucket(1000, { now: 0 }), new PauseGate(t), () => now);
    shaper.count(1010);
    shaper.count(20); // already buffered when pause() was called
    now = 10;
    await new Promise((r) => setTimeout(r, 40));
    assert.deepEqual(t.calls, ['pause']);
    now = 30;
    await new Promise((r) => setTimeout(r, 60));
    assert.deepEqual(t.calls, ['pause', 'resume']);
    shaper.stop();
  });
});

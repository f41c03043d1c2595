import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { IpLimiter, ipLimitLogger } from './ip-limiter.ts';

describe('ip limiter', () => {
  test('refuses the connection past the cap for that address only', () => {
    const l = new IpLimiter(3);
    const held = [l.acquire('127.0.0.1'), l.acquire('127.0.0.1'), l.acquire('127.0.0.1')];
    assert.ok(held.every((r) => r !== undefined));
    assert.equal(l.acquire('127.0.0.1'), undefined);
    assert.notEqual(l.acquire('127.0.0.2'), undefined);
    assert.equal(l.count('127.0.0.1'), 3);
  });

  test('a released slot can be taken again; entries vanish at zero', () => {
    const l = new IpLimiter(1);
    const r = l.acquire('::1');
    assert.ok(r);
    assert.equal(l.acquire('::1'), undefined);
    r();
    assert.equal(l.size, 0);
    assert.equal(l.count('::1'), 0);
    assert.ok(l.acquire('::1'));
  });

  test('releasing twice gives back one slot only', () => {
    const l = new IpLimiter(2);
    const a = l.acquire('10.0.0.1');
    l.acquire('10.0.0.1');
    assert.ok(a);
    a();
    a();
    assert.equal(l.count('10.0.0.1'), 1);
  });

  test('map size follows open connections (bounded by them)', () => {
    const l = new IpLimiter(5);
    const releases = [];
    for (let i = 0; i < 1000; i++) releases.push(l.acquire(`10.0.${i >> 8}.${i & 255}`));
    assert.equal(l.size, 1000);
    for (const r of releases) r?.();
    assert.equal(l.size, 0);
  });

  test('refuses a cap below 1', () => {
    assert.throws(() => new IpLimiter(0), RangeError);
  });
});

describe('ip_limit_reached log', () => {
  test('logs once per interval and counts what it suppressed', () => {
    const lines: Record<string, unknown>[] = [];
    let now = 0;
    const refused = ipLimitLogger(
      { warn: (o) => lines.push(o as Record<string, unknown>) },
      'c2s',
      3,
      1000,
      () => now,
    );
    refused('1.2.3.4');
    refused('1.2.3.4');
    refused('1.2.3.5');
    now = 1500;
    refused('1.2.3.4');
    assert.equal(lines.length, 2);
    assert.equal(lines[0]?.what, 'ip_limit_reached');
    assert.equal(lines[0]?.suppressed, 0);
    assert.equal(lines[1]?.suppressed, 2);
    assert.equal(lines[1]?.kind, 'c2s');
  });
});

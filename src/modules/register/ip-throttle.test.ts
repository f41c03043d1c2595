import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IpThrottle } from './ip-throttle.ts';

test('an address may register again only after the interval', () => {
  let now = 0;
  const t = new IpThrottle(600_000, 100, () => now);
  assert.equal(t.tryReserve('10.0.0.1'), true);
  assert.equal(t.tryReserve('10.0.0.1'), false);
  assert.equal(t.tryReserve('10.0.0.2'), true);
  now = 599_999;
  assert.equal(t.tryReserve('10.0.0.1'), false);
  now = 600_000;
  assert.equal(t.tryReserve('10.0.0.1'), true);
});

test('a released slot can be taken again at once', () => {
  const t = new IpThrottle(1000, 100, () => 5);
  assert.equal(t.tryReserve('a'), true);
  t.release('a');
  assert.equal(t.tryReserve('a'), true);
});

test('an interval of 0 never throttles and remembers nothing', () => {
  const t = new IpThrottle(0, 100, () => 1);
  assert.equal(t.tryReserve('a'), true);
  assert.equal(t.tryReserve('a'), true);
  assert.equal(t.size, 0);
});

test('expired and excess entries are forgotten, so memory stays bounded', () => {
  let now = 0;
  const t = new IpThrottle(10, 3, () => now);
  for (const ip of ['a', 'b', 'c', 'd', 'e']) t.tryReserve(ip);
  assert.equal(t.size, 3);
  assert.equal(t.tryReserve('e'), false);
  assert.equal(t.tryReserve('a'), true); // forgotten as the oldest
  now = 100;
  t.tryReserve('z');
  assert.equal(t.size, 1);
});

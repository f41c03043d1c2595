import assert from 'node:assert/strict';
import type { BlockList } from 'node:net';
import { test } from 'node:test';
import { buildIpAccess, ipAllowed } from './ip-access.ts';

test('addresses and CIDR ranges of both families match', () => {
  const list = buildIpAccess(['127.0.0.0/8', '192.168.1.7', '2001:db8::/32']) as BlockList;
  assert.equal(typeof list, 'object');
  assert.equal(ipAllowed(list, '127.0.0.1'), true);
  assert.equal(ipAllowed(list, '::ffff:127.3.2.1'), true);
  assert.equal(ipAllowed(list, '192.168.1.7'), true);
  assert.equal(ipAllowed(list, '192.168.1.8'), false);
  assert.equal(ipAllowed(list, '2001:db8::1'), true);
  assert.equal(ipAllowed(list, '2001:db9::1'), false);
  assert.equal(ipAllowed(list, 'not-an-ip'), false);
});

test('malformed entries are reported', () => {
  assert.equal(buildIpAccess(['10.0.0.0/33']), '10.0.0.0/33');
  assert.equal(buildIpAccess(['localhost']), 'localhost');
  assert.equal(buildIpAccess(['10.0.0.0/8/1']), '10.0.0.0/8/1');
  assert.equal(buildIpAccess(['::1/abc']), '::1/abc');
});

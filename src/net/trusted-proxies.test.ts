import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clientAddress, isForwardedSecure, normalizeIp, proxyTrust } from './trusted-proxies.ts';

describe('proxyTrust', () => {
  const trust = proxyTrust(['10.0.0.0/8', '192.0.2.1', 'fd00::/8']);

  test('matches addresses and ranges, v4, v6 and v4-mapped', () => {
    assert.equal(trust.trusts('10.1.2.3'), true);
    assert.equal(trust.trusts('::ffff:10.1.2.3'), true);
    assert.equal(trust.trusts('192.0.2.1'), true);
    assert.equal(trust.trusts('192.0.2.2'), false);
    assert.equal(trust.trusts('fd12::1'), true);
    assert.equal(trust.trusts('2001:db8::1'), false);
    assert.equal(trust.trusts('not an ip'), false);
  });

  test('an empty list trusts nobody', () => {
    assert.equal(proxyTrust([]).trusts('127.0.0.1'), false);
  });

  test('a malformed entry is refused at construction', () => {
    assert.throws(() => proxyTrust(['example.com']), /trusted_proxies/);
  });
});

describe('clientAddress', () => {
  const trust = proxyTrust(['10.0.0.0/8']);

  test('X-Forwarded-For from an untrusted peer is ignored', () => {
    assert.equal(clientAddress('203.0.113.5', '198.51.100.1', trust), '203.0.113.5');
  });

  test('from a trusted peer, the rightmost untrusted hop is the client', () => {
    // The leftmost entry was written by the client itself and is not believed.
    assert.equal(
      clientAddress('10.0.0.1', '1.1.1.1, 198.51.100.7, 10.0.0.9', trust),
      '198.51.100.7',
    );
    assert.equal(clientAddress('::ffff:10.0.0.1', ['198.51.100.7'], trust), '198.51.100.7');
  });

  test('ports and brackets in hops are stripped; garbage stops the walk', () => {
    assert.equal(clientAddress('10.0.0.1', '198.51.100.7:5555', trust), '198.51.100.7');
    assert.equal(clientAddress('10.0.0.1', '[2001:db8::7]:443', trust), '2001:db8::7');
    assert.equal(clientAddress('10.0.0.1', 'unknown', trust), '10.0.0.1');
  });

  test('a chain made only of trusted proxies yields the last one', () => {
    assert.equal(clientAddress('10.0.0.1', '10.0.0.2', trust), '10.0.0.2');
  });
});

describe('isForwardedSecure / normalizeIp', () => {
  const trust = proxyTrust(['10.0.0.1']);
  test('X-Forwarded-Proto counts only from a trusted proxy, first value wins', () => {
    assert.equal(isForwardedSecure('10.0.0.1', 'https', trust), true);
    assert.equal(isForwardedSecure('10.0.0.1', 'HTTPS, http', trust), true);
    assert.equal(isForwardedSecure('10.0.0.1', 'http', trust), false);
    assert.equal(isForwardedSecure('10.0.0.2', 'https', trust), false);
    assert.equal(isForwardedSecure('10.0.0.1', undefined, trust), false);
  });
  test('v4-mapped IPv6 addresses become IPv4', () => {
    assert.equal(normalizeIp('::ffff:127.0.0.1'), '127.0.0.1');
    assert.equal(normalizeIp('::1'), '::1');
  });
});

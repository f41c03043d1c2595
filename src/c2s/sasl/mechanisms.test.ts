import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSaslServer, listMechanisms } from './mechanisms.ts';
import { testDeps } from './test-support.ts';

describe('listMechanisms', () => {
  test('orders -PLUS first, then SCRAM, then PLAIN', () => {
    assert.deepEqual(
      listMechanisms({ tls: true, allowPlainWithoutTls: false, channelBinding: true }),
      ['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-1-PLUS', 'SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN'],
    );
  });

  test('offers PLAIN without TLS only when allowed', () => {
    const off = { tls: false, allowPlainWithoutTls: false, channelBinding: false };
    assert.deepEqual(listMechanisms(off), ['SCRAM-SHA-256', 'SCRAM-SHA-1']);
    assert.deepEqual(listMechanisms({ ...off, allowPlainWithoutTls: true }), [
      'SCRAM-SHA-256',
      'SCRAM-SHA-1',
      'PLAIN',
    ]);
  });
});

describe('createSaslServer', () => {
  test('knows every advertised mechanism and nothing else', () => {
    const deps = testDeps(
      {},
      { channelBindings: [{ type: 'tls-exporter', data: Buffer.alloc(32) }] },
    );
    for (const m of listMechanisms({
      tls: true,
      allowPlainWithoutTls: false,
      channelBinding: true,
    })) {
      assert.equal(createSaslServer(m, deps)?.mechanism, m);
    }
    assert.equal(createSaslServer('DIGEST-MD5', deps), undefined);
    assert.equal(createSaslServer('scram-sha-1', deps), undefined);
  });
});

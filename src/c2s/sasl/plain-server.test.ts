import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deriveAccountSecrets } from '../../auth/scram.ts';
import { createSaslServer } from './mechanisms.ts';
import { assertFailure, testDeps } from './test-support.ts';
import type { SaslDeps } from './types.ts';

const plain = (authzid: string, authcid: string, passwd: string) =>
  Buffer.from(`${authzid}\0${authcid}\0${passwd}`, 'utf8');

async function deps(): Promise<SaslDeps & { lookups: string[] }> {
  return testDeps({ juliet: await deriveAccountSecrets('s3cret', 4096) });
}

function start(d: SaslDeps, initial: Buffer | null) {
  const s = createSaslServer('PLAIN', d);
  assert.ok(s);
  return s.start(initial);
}

describe('PLAIN', () => {
  test('good credentials succeed with the enforced username', async () => {
    const step = await start(await deps(), plain('', 'Juliet', 's3cret'));
    assert.deepEqual(step, { kind: 'success', username: 'juliet' });
  });

  test('without an initial response the server sends an empty challenge first', async () => {
    const s = createSaslServer('PLAIN', await deps());
    assert.ok(s);
    assert.deepEqual(await s.start(null), { kind: 'challenge', data: Buffer.alloc(0) });
    assert.equal((await s.step(plain('', 'juliet', 's3cret'))).kind, 'success');
    assertFailure(await s.step(plain('', 'juliet', 's3cret')), 'malformed-request');
  });

  test('a wrong password and an unknown user fail the same way', async () => {
    const d = await deps();
    const wrong = await start(d, plain('', 'juliet', 'nope'));
    const unknown = await start(d, plain('', 'romeo', 's3cret'));
    assert.deepEqual(wrong, { kind: 'failure', condition: 'not-authorized' });
    assert.deepEqual(unknown, wrong);
    assert.deepEqual(d.lookups, ['juliet', 'romeo']);
  });

  test('authzid must be username@domain', async () => {
    const d = await deps();
    assert.equal((await start(d, plain('juliet@example.com', 'juliet', 's3cret'))).kind, 'success');
    assertFailure(
      await start(d, plain('romeo@example.com', 'juliet', 's3cret')),
      'invalid-authzid',
    );
  });

  test('malformed messages fail with malformed-request', async () => {
    const d = await deps();
    for (const m of [
      Buffer.from('juliet\0s3cret'),
      Buffer.from('\0\0s3cret'),
      Buffer.from('\0juliet\0'),
      Buffer.from('\0juliet\0s3cret\0'),
      Buffer.from([0, 0x6a, 0, 0xff, 0xfe]),
      plain('', 'juliet', 'x'.repeat(256)),
    ]) {
      assertFailure(await start(d, m), 'malformed-request');
    }
  });

  test('a failing account backend gives temporary-auth-failure', async () => {
    const d = testDeps(
      {},
      {
        getSecrets: () => Promise.reject(new Error('db down')),
      },
    );
    assertFailure(await start(d, plain('', 'juliet', 's3cret')), 'temporary-auth-failure');
  });
});

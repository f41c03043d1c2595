import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { deriveScramCredentials } from '../../auth/scram.ts';
import { normalizeLocalpart } from '../../jid/index.ts';
import { createSaslServer } from './mechanisms.ts';
import { scramClient } from './scram-client.ts';
import { assertFailure, exchange, pencilSecrets, testDeps } from './test-support.ts';
import type { SaslStep } from './types.ts';

const MECHS = ['SCRAM-SHA-1', 'SCRAM-SHA-256', 'SCRAM-SHA-256-PLUS', 'PLAIN'];
const KINDS = new Set(['challenge', 'success', 'failure']);

function isStep(s: SaslStep): boolean {
  return KINDS.has(s.kind);
}

// Near-valid SCRAM text: fragments of real messages glued in random order.
const scramish = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        'n',
        'y',
        'p=tls-exporter',
        'a=',
        'n=',
        'r=',
        'c=',
        'p=',
        'm=',
        'biws',
        '=2C',
      ),
      fc.constantFrom(',', '=', '\0', 'user', 'abc', '=3D', '==', 'x=y'),
      fc.string({ maxLength: 6 }),
    ),
    { maxLength: 12 },
  )
  .map((parts) => Buffer.from(parts.join(''), 'utf8'));

const input = fc.oneof(fc.uint8Array({ maxLength: 200 }).map(Buffer.from), scramish);

describe('round trips with our client', () => {
  test('any enforceable username and any password authenticate, on both hashes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 10 }),
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }),
        fc.constantFrom('sha1' as const, 'sha256' as const),
        async (name, password, hash) => {
          const username = normalizeLocalpart(name);
          fc.pre(username !== undefined);
          const secrets = {
            sha1: await deriveScramCredentials(password, 'sha1', 2),
            sha256: await deriveScramCredentials(password, 'sha256', 2),
          };
          const deps = testDeps({ [username!]: secrets });
          const mech = hash === 'sha1' ? 'SCRAM-SHA-1' : 'SCRAM-SHA-256';
          const step = await exchange(
            createSaslServer(mech, deps)!,
            scramClient(hash, name, password),
          );
          assert.equal(step.kind === 'success' && step.username, username);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('malformed input', () => {
  test('random client messages never throw and always yield a step', async () => {
    const deps = testDeps(
      { user: await pencilSecrets() },
      { channelBindings: [{ type: 'tls-exporter', data: Buffer.alloc(32, 1) }] },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...MECHS), input, input, async (mech, a, b) => {
        const s = createSaslServer(mech, deps)!;
        const first = await s.start(a);
        assert.ok(isStep(first));
        assert.notEqual(first.kind, 'success');
        const second = await s.step(b);
        assert.ok(isStep(second));
        assert.notEqual(second.kind, 'success');
      }),
      { numRuns: 400 },
    );
  });

  test('random client-final after a valid client-first fails, never throws', async () => {
    const deps = testDeps({ user: await pencilSecrets() });
    await fc.assert(
      fc.asyncProperty(input, async (b) => {
        const s = createSaslServer('SCRAM-SHA-256', deps)!;
        assert.equal((await s.start(Buffer.from('n,,n=user,r=abc'))).kind, 'challenge');
        assert.equal((await s.step(b)).kind, 'failure');
      }),
      { numRuns: 200 },
    );
  });

  test('specific malformed SCRAM messages give malformed-request', async () => {
    const deps = testDeps({ user: await pencilSecrets() });
    for (const m of [
      '',
      'n,,',
      'x,,n=user,r=abc',
      'n,b=user,n=user,r=abc',
      'n,,r=abc,n=user',
      'n,,n=us=er,r=abc',
      'n,,n=,r=abc',
      'n,,n=user,r=',
      'n,,n=user,r=a\u00e9',
      'n,,m=ext,n=user,r=abc',
    ]) {
      const s = createSaslServer('SCRAM-SHA-256', deps)!;
      assertFailure(await s.start(Buffer.from(m, 'utf8')), 'malformed-request');
    }
  });

  test('a step after the exchange ended is refused', async () => {
    const s = createSaslServer('SCRAM-SHA-1', testDeps({}))!;
    assertFailure(await s.start(Buffer.from('garbage')), 'malformed-request');
    assertFailure(await s.step(Buffer.from('n,,n=user,r=abc')), 'malformed-request');
    assertFailure(await s.start(null), 'malformed-request');
  });
});

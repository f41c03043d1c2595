import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deriveAccountSecrets } from '../../auth/scram.ts';
import { createSaslServer } from './mechanisms.ts';
import { scramClient } from './scram-client.ts';
import { assertFailure, exchange, pencilSecrets, testDeps, text } from './test-support.ts';
import type { SaslDeps, SaslServer } from './types.ts';

const buf = (s: string) => Buffer.from(s, 'utf8');

function server(mech: string, deps: SaslDeps): SaslServer {
  const s = createSaslServer(mech, deps);
  assert.ok(s, mech);
  return s;
}

const VECTORS = [
  {
    name: 'RFC 5802 §5 SCRAM-SHA-1',
    mech: 'SCRAM-SHA-1',
    hash: 'sha1' as const,
    cnonce: 'fyko+d2lbbFgONRv9qkxdawL',
    snonce: '3rfcNHYJY1ZVvWVs7j',
    serverFirst: 'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096',
    clientFinal:
      'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=',
    serverFinal: 'v=rmF9pqV8S7suAoZWja4dJRkFsKQ=',
  },
  {
    name: 'RFC 7677 §3 SCRAM-SHA-256',
    mech: 'SCRAM-SHA-256',
    hash: 'sha256' as const,
    cnonce: 'rOprNGfwEbeRWgbNEkqO',
    snonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
    serverFirst:
      'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
    clientFinal:
      'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,' +
      'p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
    serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
  },
];

for (const v of VECTORS) {
  describe(v.name, () => {
    test('our server produces the example server messages', async () => {
      const deps = testDeps({ user: await pencilSecrets() }, { serverNonce: () => v.snonce });
      const s = server(v.mech, deps);
      const first = await s.start(buf(`n,,n=user,r=${v.cnonce}`));
      assert.equal(text(first), v.serverFirst);
      const last = await s.step(buf(v.clientFinal));
      assert.deepEqual(last, { kind: 'success', data: buf(v.serverFinal), username: 'user' });
    });

    test('our client produces the example client messages', async () => {
      const c = scramClient(v.hash, 'user', 'pencil', undefined, { nonce: v.cnonce });
      assert.equal(c.first(), `n,,n=user,r=${v.cnonce}`);
      assert.equal(await c.final(v.serverFirst), v.clientFinal);
      assert.equal(c.verify(v.serverFinal), true);
      assert.equal(c.verify('v=AAAA'), false);
      assert.equal(c.verify('e=invalid-proof'), false);
    });

    test('a wrong password fails with not-authorized', async () => {
      const deps = testDeps({ user: await pencilSecrets() });
      const step = await exchange(server(v.mech, deps), scramClient(v.hash, 'user', 'pen'));
      assertFailure(step, 'not-authorized');
    });
  });
}

describe('SCRAM unknown users', () => {
  test('look like a wrong password: same challenge shape, same failure at the same step', async () => {
    // Real accounts get 16-byte salts from deriveAccountSecrets, as fake ones do.
    const secrets = await deriveAccountSecrets('pencil', 4096);
    const deps = testDeps({ user: secrets }, { serverNonce: () => 'SNONCE' });
    const known = await server('SCRAM-SHA-1', deps).start(buf('n,,n=user,r=abc'));
    const unknownServer = server('SCRAM-SHA-1', deps);
    const unknown = await unknownServer.start(buf('n,,n=ghost,r=abc'));
    const shape = (s: string) =>
      s.replace(/s=[^,]+/, `s=${'x'.repeat(s.match(/s=([^,]+)/)![1].length)}`);
    assert.equal(shape(text(unknown)), shape(text(known)));
    const final = await scramClient('sha1', 'ghost', 'pencil', undefined, { nonce: 'abc' }).final(
      text(unknown),
    );
    assert.deepEqual(await unknownServer.step(buf(final)), {
      kind: 'failure',
      condition: 'not-authorized',
    });
    const wrong = await exchange(server('SCRAM-SHA-1', deps), scramClient('sha1', 'user', 'x'));
    assert.deepEqual(wrong, { kind: 'failure', condition: 'not-authorized' });
  });

  test('get a stable salt per username, different between usernames', async () => {
    const deps = testDeps({});
    const salt = async (name: string) =>
      text(await server('SCRAM-SHA-256', deps).start(buf(`n,,n=${name},r=abc`))).split(',')[1];
    assert.equal(await salt('ghost'), await salt('ghost'));
    assert.notEqual(await salt('ghost'), await salt('phantom'));
  });

  test('a username that cannot be a localpart also fails as not-authorized', async () => {
    const deps = testDeps({});
    const step = await exchange(server('SCRAM-SHA-256', deps), scramClient('sha256', 'a b', 'x'));
    assertFailure(step, 'not-authorized');
    assert.deepEqual(deps.lookups, []);
  });
});

describe('SCRAM usernames and authzid', () => {
  test('usernames are decoded (=2C, =3D) and enforced before lookup', async () => {
    const deps = testDeps({ 'a,b=c': await pencilSecrets() });
    const step = await exchange(
      server('SCRAM-SHA-1', deps),
      scramClient('sha1', 'A,B=C', 'pencil'),
    );
    assert.equal(step.kind === 'success' && step.username, 'a,b=c');
    assert.deepEqual(deps.lookups, ['a,b=c']);
  });

  test('an authzid equal to username@domain is accepted', async () => {
    const deps = testDeps({ user: await pencilSecrets() });
    const c = scramClient('sha256', 'user', 'pencil', undefined, { authzid: 'User@Example.com' });
    const step = await exchange(server('SCRAM-SHA-256', deps), c);
    assert.equal(step.kind, 'success');
  });

  test('any other authzid fails with invalid-authzid', async () => {
    const deps = testDeps({ user: await pencilSecrets() });
    for (const authzid of ['admin@example.com', 'user@other.example', 'user@example.com/r']) {
      const c = scramClient('sha256', 'user', 'pencil', undefined, { authzid });
      assertFailure(await exchange(server('SCRAM-SHA-256', deps), c), 'invalid-authzid');
    }
  });
});

/** The channel-binding types a connection has, by TLS version (see channel-binding.ts). */
const EXPORTER = { type: 'tls-exporter' as const, data: Buffer.alloc(32, 1) };
const UNIQUE = { type: 'tls-unique' as const, data: Buffer.alloc(12, 2) };
const END_POINT = { type: 'tls-server-end-point' as const, data: Buffer.alloc(32, 3) };
const CONNECTIONS = [
  { name: 'TLS 1.3', bindings: [EXPORTER, END_POINT] },
  { name: 'TLS 1.2', bindings: [UNIQUE, END_POINT] },
  { name: 'no TLS', bindings: [] },
];
const ALL_TYPES = [EXPORTER, UNIQUE, END_POINT];
const MECHS = [
  { mech: 'SCRAM-SHA-256', hash: 'sha256' as const },
  { mech: 'SCRAM-SHA-1', hash: 'sha1' as const },
];

for (const conn of CONNECTIONS) {
  const bound = conn.bindings.length > 0;
  describe(`SCRAM channel binding on ${conn.name}`, () => {
    const deps = async (extra: Partial<SaslDeps> = {}) =>
      testDeps({ user: await pencilSecrets() }, { channelBindings: conn.bindings, ...extra });

    for (const { mech, hash } of MECHS) {
      for (const cb of ALL_TYPES) {
        const has = conn.bindings.some((b) => b.type === cb.type);
        if (!bound) {
          test(`${mech}-PLUS does not exist`, async () => {
            assert.equal(createSaslServer(`${mech}-PLUS`, await deps()), undefined);
          });
          break;
        }
        test(`${mech}-PLUS p=${cb.type}: ${has ? 'success' : 'refused, not a failed login'}`, async () => {
          const c = scramClient(hash, 'user', 'pencil', cb);
          const step = await exchange(server(`${mech}-PLUS`, await deps()), c);
          if (has) {
            assert.equal(step.kind, 'success');
            assert.ok(step.kind === 'success' && c.verify(step.data!.toString()));
          } else {
            assert.deepEqual(step, {
              kind: 'failure',
              condition: 'not-authorized',
              text: 'unsupported-channel-binding-type',
              cbTypeRefusedFor: 'user',
            });
          }
        });
        if (has) {
          test(`${mech}-PLUS p=${cb.type} with other data: channel-bindings-dont-match`, async () => {
            const c = scramClient(hash, 'user', 'pencil', { ...cb, data: Buffer.alloc(32, 9) });
            const step = await exchange(server(`${mech}-PLUS`, await deps()), c);
            assert.deepEqual(step, {
              kind: 'failure',
              condition: 'not-authorized',
              text: 'channel-bindings-dont-match',
            });
          });
        }
      }
      if (bound) {
        test(`${mech}-PLUS with an unknown type and a wrong password is a failed login`, async () => {
          const bogus = { type: 'tls-bogus' as 'tls-unique', data: Buffer.alloc(4) };
          for (const c of [
            scramClient(hash, 'user', 'wrong', bogus),
            scramClient(hash, 'ghost', 'pencil', bogus),
          ]) {
            const step = await exchange(server(`${mech}-PLUS`, await deps()), c);
            assert.deepEqual(step, { kind: 'failure', condition: 'not-authorized' });
          }
        });

        test(`${mech}-PLUS with a type we lack must echo its own gs2 header`, async () => {
          const lacking = ALL_TYPES.find((t) => !conn.bindings.some((b) => b.type === t.type))!;
          const s = server(`${mech}-PLUS`, await deps());
          const c = scramClient(hash, 'user', 'pencil', lacking, { nonce: 'abc' });
          const sf = text(await s.start(buf(c.first())));
          // The client-final of an exchange that said p=tls-server-end-point instead.
          const other = scramClient(hash, 'user', 'pencil', END_POINT, { nonce: 'abc' });
          const step = await s.step(buf(await other.final(sf)));
          assertFailure(step, 'not-authorized');
          assert.ok(step.kind === 'failure' && step.cbTypeRefusedFor === undefined);
        });

        test(`${mech}-PLUS requires the p= flag`, async () => {
          for (const flag of ['n', 'y']) {
            const step = await server(`${mech}-PLUS`, await deps()).start(
              buf(`${flag},,n=user,r=abc`),
            );
            assertFailure(step, 'malformed-request');
          }
        });
      }

      test(`${mech} with 'n': success`, async () => {
        const step = await exchange(
          server(mech, await deps()),
          scramClient(hash, 'user', 'pencil'),
        );
        assert.equal(step.kind, 'success');
      });

      test(`${mech} refuses the p= flag`, async () => {
        const c = scramClient(hash, 'user', 'pencil', END_POINT);
        assertFailure(await server(mech, await deps()).start(buf(c.first())), 'malformed-request');
      });

      const y = (user = 'user') =>
        scramClient(hash, user, 'pencil', undefined, { supportsChannelBinding: true });

      test(`${mech} with 'y' and no -PLUS attempt before: ${bound ? 'downgrade (attacker stripped -PLUS)' : 'success'}`, async () => {
        const step = await exchange(server(mech, await deps()), y());
        if (!bound) assert.equal(step.kind, 'success');
        else {
          assert.deepEqual(step, {
            kind: 'failure',
            condition: 'not-authorized',
            text: 'server-does-support-channel-binding',
          });
        }
      });

      if (bound) {
        test(`${mech} with 'y' after this user's -PLUS attempt with a type we lack: success`, async () => {
          const lacking = ALL_TYPES.find((t) => !conn.bindings.some((b) => b.type === t.type))!;
          const refused = await exchange(
            server(`${mech}-PLUS`, await deps()),
            scramClient(hash, 'user', 'pencil', lacking),
          );
          assert.ok(refused.kind === 'failure' && refused.cbTypeRefusedFor === 'user');
          const d = await deps({ plusRefusedFor: refused.cbTypeRefusedFor });
          assert.equal((await exchange(server(mech, d), y())).kind, 'success');
        });

        test(`${mech} with 'y' after another user's refused -PLUS attempt: downgrade`, async () => {
          const d = testDeps(
            { user: await pencilSecrets(), other: await pencilSecrets() },
            { channelBindings: conn.bindings, plusRefusedFor: 'other' },
          );
          assertFailure(await exchange(server(mech, d), y()), 'not-authorized');
        });

        test(`${mech} with 'y' after an attacker's own failed -PLUS attempt: still a downgrade`, async () => {
          // Without the password the attacker's fabricated attempt earns no cbTypeRefusedFor.
          const bogus = { type: 'tls-bogus' as 'tls-unique', data: Buffer.alloc(4) };
          const fake = await exchange(
            server(`${mech}-PLUS`, await deps()),
            scramClient(hash, 'user', 'guess', bogus),
          );
          assert.ok(fake.kind === 'failure' && fake.cbTypeRefusedFor === undefined);
          assertFailure(await exchange(server(mech, await deps()), y()), 'not-authorized');
        });
      }
    }
  });
}

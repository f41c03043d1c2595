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

describe('SCRAM channel binding', () => {
  const cb = { type: 'tls-exporter' as const, data: Buffer.alloc(32, 1) };

  test('-PLUS succeeds when the binding data matches', async () => {
    const deps = testDeps({ user: await pencilSecrets() }, { channelBinding: cb });
    const c = scramClient('sha256', 'user', 'pencil', cb);
    const step = await exchange(server('SCRAM-SHA-256-PLUS', deps), c);
    assert.equal(step.kind, 'success');
    assert.ok(step.kind === 'success' && c.verify(step.data!.toString()));
    const c1 = scramClient('sha1', 'user', 'pencil', cb);
    assert.equal((await exchange(server('SCRAM-SHA-1-PLUS', deps), c1)).kind, 'success');
  });

  test('-PLUS fails when the binding data differs', async () => {
    const deps = testDeps({ user: await pencilSecrets() }, { channelBinding: cb });
    const c = scramClient('sha256', 'user', 'pencil', { ...cb, data: Buffer.alloc(32, 2) });
    assertFailure(await exchange(server('SCRAM-SHA-256-PLUS', deps), c), 'not-authorized');
  });

  test('-PLUS fails for a binding type the connection does not have', async () => {
    const deps = testDeps({ user: await pencilSecrets() }, { channelBinding: cb });
    const c = scramClient('sha256', 'user', 'pencil', { ...cb, type: 'tls-server-end-point' });
    assertFailure(await server('SCRAM-SHA-256-PLUS', deps).start(buf(c.first())), 'not-authorized');
  });

  test('-PLUS requires the p= flag', async () => {
    const deps = testDeps({ user: await pencilSecrets() }, { channelBinding: cb });
    const step = await server('SCRAM-SHA-256-PLUS', deps).start(buf('n,,n=user,r=abc'));
    assertFailure(step, 'malformed-request');
  });

  test("'y' is a downgrade when we offered -PLUS, and fine when we could not", async () => {
    const withCb = testDeps({ user: await pencilSecrets() }, { channelBinding: cb });
    const y = () =>
      scramClient('sha256', 'user', 'pencil', undefined, { supportsChannelBinding: true });
    assertFailure(await exchange(server('SCRAM-SHA-256', withCb), y()), 'not-authorized');
    const withoutCb = testDeps({ user: await pencilSecrets() });
    assert.equal((await exchange(server('SCRAM-SHA-256', withoutCb), y())).kind, 'success');
  });

  test('a non-PLUS mechanism refuses the p= flag', async () => {
    const deps = testDeps({ user: await pencilSecrets() }, { channelBinding: cb });
    const c = scramClient('sha256', 'user', 'pencil', cb);
    assertFailure(await server('SCRAM-SHA-256', deps).start(buf(c.first())), 'malformed-request');
  });

  test('-PLUS is unavailable without channel binding data', () => {
    assert.equal(createSaslServer('SCRAM-SHA-256-PLUS', testDeps({})), undefined);
  });
});

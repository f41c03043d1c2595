import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  deriveAccountSecrets,
  deriveScramCredentials,
  H,
  hi,
  hmac,
  keysFromSalted,
  saltedPassword,
  saslPrepPassword,
} from './scram.ts';

describe('SCRAM primitives', () => {
  test('Hi is PBKDF2-HMAC (RFC 6070 test vectors)', async () => {
    const one = await hi('sha1', 'password', Buffer.from('salt'), 1);
    assert.equal(one.toString('hex'), '0c60c80f961f0e71f3a9b524af6012062fe037a6');
    const many = await hi('sha1', 'password', Buffer.from('salt'), 4096);
    assert.equal(many.toString('hex'), '4b007901b765489abead49d926f721d065a429c1');
  });

  test('H and HMAC use the named hash', () => {
    assert.equal(H('sha1', Buffer.from('abc')).length, 20);
    assert.equal(H('sha256', Buffer.from('abc')).length, 32);
    assert.equal(
      hmac('sha256', Buffer.from('key'), 'The quick brown fox jumps over the lazy dog').toString(
        'hex',
      ),
      'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8',
    );
  });

  test('password preparation maps non-ASCII spaces and applies NFKC', () => {
    assert.equal(saslPrepPassword('a\u00a0b\u3000c'), 'a b c');
    assert.equal(saslPrepPassword('\u2168'), 'IX');
    assert.equal(saslPrepPassword('pencil'), 'pencil');
  });
});

describe('deriveScramCredentials', () => {
  test('StoredKey and ServerKey follow RFC 5802 §3 for the given salt', async () => {
    const salt = Buffer.from('QSXCR+Q6sek8bf92', 'base64');
    const creds = await deriveScramCredentials('pencil', 'sha1', 4096, salt);
    const salted = await saltedPassword('sha1', 'pencil', salt, 4096);
    const keys = keysFromSalted('sha1', salted);
    assert.deepEqual(creds.storedKey, keys.storedKey);
    assert.deepEqual(creds.serverKey, keys.serverKey);
    assert.deepEqual(creds.salt, salt);
    assert.equal(creds.iterations, 4096);
    // RFC 5802 §5 example: SaltedPassword of "pencil".
    assert.equal(salted.toString('hex'), '1d96ee3a529b5a5f9e47c01f229a2cb8a6e15f7d');
  });

  test('rejects a non-positive iteration count', async () => {
    await assert.rejects(deriveScramCredentials('x', 'sha256', 0), RangeError);
    await assert.rejects(deriveScramCredentials('x', 'sha256', 1.5), RangeError);
  });

  test('deriveAccountSecrets uses distinct random 16-byte salts per hash', async () => {
    const a = await deriveAccountSecrets('pencil', 4096);
    const b = await deriveAccountSecrets('pencil', 4096);
    assert.equal(a.sha1.salt.length, 16);
    assert.equal(a.sha256.salt.length, 16);
    assert.notDeepEqual(a.sha1.salt, b.sha1.salt);
    assert.notDeepEqual(a.sha256.storedKey, b.sha256.storedKey);
    assert.equal(a.sha1.storedKey.length, 20);
    assert.equal(a.sha256.serverKey.length, 32);
  });
});

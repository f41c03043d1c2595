import assert from 'node:assert/strict';
import { test } from 'node:test';
import { turnCredentials } from './turn-credentials.ts';

test('TURN REST credentials: expiry:user and base64 HMAC-SHA1 of it under the shared secret', () => {
  const c = turnCredentials('north', 'alice@example.com', 3600, 1_700_000_000_500);
  assert.equal(c.username, '1700003600:alice@example.com');
  // echo -n 1700003600:alice@example.com | openssl dgst -sha1 -hmac north -binary | base64
  assert.equal(c.password, 'VRPQNhy7K5wsWYjKwNdXCKp+sPA=');
  assert.equal(c.expires.toISOString(), '2023-11-14T23:13:20.000Z');
});

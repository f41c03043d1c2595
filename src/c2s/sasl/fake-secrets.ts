/**
 * Credentials shown for users that don't exist, so that an unknown username is
 * indistinguishable from a wrong password (RFC 5802 §9 "Security Considerations" warns that
 * the salt and iteration count otherwise reveal account existence). Values are a keyed HMAC of
 * the username, so repeated attempts see the same salt, as they would for a real account.
 */
import { createHmac } from 'node:crypto';
import { SCRAM_DIGEST_BYTES } from '../../auth/scram.ts';
import type { ScramCredentials, ScramHash } from '../../auth/scram-credentials.ts';

function derive(key: Buffer, label: string, hash: ScramHash, username: string, n: number): Buffer {
  return createHmac('sha256', key).update(`${label}\0${hash}\0${username}`).digest().subarray(0, n);
}

export function fakeScramCredentials(
  key: Buffer,
  username: string,
  hash: ScramHash,
  iterations: number,
): ScramCredentials {
  const size = SCRAM_DIGEST_BYTES[hash];
  return {
    salt: derive(key, 'salt', hash, username, 16),
    iterations,
    storedKey: derive(key, 'stored-key', hash, username, size),
    serverKey: derive(key, 'server-key', hash, username, size),
  };
}

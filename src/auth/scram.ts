/**
 * SCRAM primitives (RFC 5802 §2.2, §3) and secret derivation for stored accounts.
 * PBKDF2 runs through the async crypto.pbkdf2 so it executes on libuv's thread pool,
 * never on the event loop.
 */
import { createHash, createHmac, pbkdf2, randomBytes } from 'node:crypto';
import type { AccountSecrets, ScramCredentials, ScramHash } from './scram-credentials.ts';

/** Digest size in bytes of each SCRAM hash. */
export const SCRAM_DIGEST_BYTES: Readonly<Record<ScramHash, number>> = { sha1: 20, sha256: 32 };

const SALT_BYTES = 16;

/** H(str) of RFC 5802 §2.2. */
export function H(hash: ScramHash, data: Buffer): Buffer {
  return createHash(hash).update(data).digest();
}

/** HMAC(key, str) of RFC 5802 §2.2. */
export function hmac(hash: ScramHash, key: Buffer, data: Buffer | string): Buffer {
  return createHmac(hash, key).update(data).digest();
}

/** Hi(str, salt, i) of RFC 5802 §2.2: PBKDF2 with HMAC as PRF and one block of output. */
export function hi(
  hash: ScramHash,
  password: Buffer | string,
  salt: Buffer,
  iterations: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    pbkdf2(password, salt, iterations, SCRAM_DIGEST_BYTES[hash], hash, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

// Non-ASCII space characters of RFC 3454 table C.1.2, mapped to U+0020 by SASLprep (RFC 4013 §2.1).
const NON_ASCII_SPACE = /[\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000]/g;

/**
 * Password preparation. A simplification of SASLprep (RFC 4013): non-ASCII spaces map to
 * U+0020, then NFKC. The "mapped to nothing" table, the prohibited-output check and the bidi
 * check are not applied, so any string is accepted; both sides of an exchange must use this same
 * function (our server, our client and account creation all do). For ASCII passwords, which is
 * what other clients send in practice, the result equals full SASLprep.
 */
export function saslPrepPassword(password: string): string {
  return password.replace(NON_ASCII_SPACE, ' ').normalize('NFKC');
}

/** SaltedPassword of RFC 5802 §3 for a (not yet prepared) password. */
export function saltedPassword(
  hash: ScramHash,
  password: string,
  salt: Buffer,
  iterations: number,
): Promise<Buffer> {
  return hi(hash, Buffer.from(saslPrepPassword(password), 'utf8'), salt, iterations);
}

/** StoredKey and ServerKey from SaltedPassword (RFC 5802 §3). */
export function keysFromSalted(
  hash: ScramHash,
  salted: Buffer,
): { clientKey: Buffer; storedKey: Buffer; serverKey: Buffer } {
  const clientKey = hmac(hash, salted, 'Client Key');
  return { clientKey, storedKey: H(hash, clientKey), serverKey: hmac(hash, salted, 'Server Key') };
}

function checkIterations(iterations: number): void {
  if (!Number.isSafeInteger(iterations) || iterations < 1) {
    throw new RangeError(`SCRAM iteration count must be a positive integer, got ${iterations}`);
  }
}

/** What the server stores for one hash (RFC 5802 §3); the salt is random unless given. */
export async function deriveScramCredentials(
  password: string,
  hash: ScramHash,
  iterations: number,
  salt: Buffer = randomBytes(SALT_BYTES),
): Promise<ScramCredentials> {
  checkIterations(iterations);
  const salted = await saltedPassword(hash, password, salt, iterations);
  const { storedKey, serverKey } = keysFromSalted(hash, salted);
  return { salt: Buffer.from(salt), iterations, storedKey, serverKey };
}

/** Secrets for both hashes, each with its own random 16-byte salt. */
export async function deriveAccountSecrets(
  password: string,
  iterations: number,
): Promise<AccountSecrets> {
  const [sha1, sha256] = await Promise.all([
    deriveScramCredentials(password, 'sha1', iterations),
    deriveScramCredentials(password, 'sha256', iterations),
  ]);
  return { sha1, sha256 };
}

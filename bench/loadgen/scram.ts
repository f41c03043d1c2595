/**
 * The client side of SCRAM-SHA-1 (RFC 5802) for the load generator, reduced to what a login
 * needs. SaltedPassword is cached per (password, salt, iterations), as real clients cache it:
 * with the bench's shared salt the client runs PBKDF2 once, not once per login, so a login
 * costs the server a few HMACs and no PBKDF2 (the point of SCRAM).
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

const saltedCache = new Map<string, Buffer>();
const CACHE_MAX = 1024;

function salted(password: string, saltB64: string, iterations: number): Buffer {
  const key = `${password}\0${saltB64}\0${iterations}`;
  let v = saltedCache.get(key);
  if (!v) {
    v = pbkdf2Sync(password, Buffer.from(saltB64, 'base64'), iterations, 20, 'sha1');
    if (saltedCache.size >= CACHE_MAX) saltedCache.clear();
    saltedCache.set(key, v);
  }
  return v;
}

export interface ScramExchange {
  /** Base64 initial response for `<auth mechanism='SCRAM-SHA-1'>`. */
  first: string;
  /** Base64 client-final message for the base64 server-first challenge, or undefined if bad. */
  final(challengeB64: string): string | undefined;
}

export function scramSha1(user: string, password: string): ScramExchange {
  const nonce = randomBytes(12).toString('base64');
  const clientFirstBare = `n=${user},r=${nonce}`;
  return {
    first: Buffer.from(`n,,${clientFirstBare}`).toString('base64'),
    final(challengeB64) {
      const serverFirst = Buffer.from(challengeB64, 'base64').toString();
      const f = new Map<string, string>();
      for (const part of serverFirst.split(',')) f.set(part.slice(0, 1), part.slice(2));
      const r = f.get('r');
      const s = f.get('s');
      const i = Number(f.get('i'));
      if (!r?.startsWith(nonce) || !s || !Number.isInteger(i) || i < 1) return undefined;
      const withoutProof = `c=biws,r=${r}`;
      const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
      const clientKey = createHmac('sha1', salted(password, s, i))
        .update('Client Key')
        .digest();
      const storedKey = createHash('sha1').update(clientKey).digest();
      const signature = createHmac('sha1', storedKey).update(authMessage).digest();
      for (let k = 0; k < clientKey.length; k++) clientKey[k] ^= signature[k];
      return Buffer.from(`${withoutProof},p=${clientKey.toString('base64')}`).toString('base64');
    },
  };
}

/**
 * Server side of PLAIN (RFC 4616). The password is checked by deriving SCRAM-SHA-256 keys with
 * the stored salt and iteration count (async PBKDF2) and comparing StoredKey in constant time,
 * so PLAIN needs no other stored secret.
 */
import { timingSafeEqual } from 'node:crypto';
import { keysFromSalted, saltedPassword } from '../../auth/scram.ts';
import { authzidAllowed, failure, lookupCredentials } from './account-lookup.ts';
import { decodeUtf8 } from './scram-messages.ts';
import type { SaslDeps, SaslServer, SaslStep } from './types.ts';

// RFC 4616 §2: authcid and passwd are at most 255 octets of UTF-8.
const MAX_FIELD_BYTES = 255;

export function createPlainServer(deps: SaslDeps): SaslServer {
  let state: 'initial' | 'wait' | 'done' = 'initial';

  async function verify(data: Buffer): Promise<SaslStep> {
    const text = decodeUtf8(data);
    const fields = text?.split('\0');
    if (fields === undefined || fields.length !== 3) return failure('malformed-request');
    const [authzid, authcid, passwd] = fields;
    const tooLong = (s: string) => Buffer.byteLength(s, 'utf8') > MAX_FIELD_BYTES;
    if (authcid === '' || passwd === '' || tooLong(authcid) || tooLong(passwd)) {
      return failure('malformed-request');
    }
    const who = await lookupCredentials(deps, authcid, 'sha256');
    if ('kind' in who) return who;
    if (authzid !== '' && !authzidAllowed(authzid, who.username, deps.domain)) {
      return failure('invalid-authzid');
    }
    // Same work for unknown users: derive against their fake salt and iteration count.
    const { salt, iterations, storedKey } = who.creds;
    const salted = await saltedPassword('sha256', passwd, salt, iterations);
    const ok = timingSafeEqual(keysFromSalted('sha256', salted).storedKey, storedKey);
    if (!ok || !who.known || who.username === undefined) return failure('not-authorized');
    return { kind: 'success', username: who.username };
  }

  async function run(data: Buffer): Promise<SaslStep> {
    if (state !== 'wait') {
      state = 'done';
      return failure('malformed-request', 'unexpected response');
    }
    state = 'done';
    try {
      return await verify(data);
    } catch {
      return failure('malformed-request');
    }
  }

  return {
    mechanism: 'PLAIN',
    async start(initial) {
      if (state !== 'initial') {
        state = 'done';
        return failure('malformed-request', 'exchange already started');
      }
      state = 'wait';
      // RFC 6120 §6.4.2: without an initial response, send an empty challenge.
      if (initial === null) return { kind: 'challenge', data: Buffer.alloc(0) };
      return run(initial);
    },
    step(response) {
      return run(response);
    },
  };
}

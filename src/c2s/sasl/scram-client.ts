/**
 * Client side of SCRAM (RFC 5802 §3), used by our tests and the load generator.
 * Throws on malformed server messages: a client may simply give up.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { hmac, keysFromSalted, saltedPassword } from '../../auth/scram.ts';
import type { ScramHash } from '../../auth/scram-credentials.ts';
import { encodeSaslName, parseServerFinal, parseServerFirst } from './scram-messages.ts';
import type { ChannelBindingType } from './types.ts';

/** A client refuses iteration counts that would make it burn CPU for a hostile server. */
const MAX_CLIENT_ITERATIONS = 1_000_000;

export interface ScramClientOptions {
  /** Client nonce (tests only; default 18 random bytes, base64). */
  nonce?: string;
  /** Authorization identity, sent as a= in the gs2 header. */
  authzid?: string;
  /** Without cbind: say 'y' (we could bind, the server did not offer -PLUS) instead of 'n'. */
  supportsChannelBinding?: boolean;
}

export interface ScramClient {
  /** client-first-message. */
  first(): string;
  /** client-final-message for the server-first-message. */
  final(serverFirst: string): Promise<string>;
  /** True when the server-final-message proves the server knows our password. */
  verify(serverFinal: string): boolean;
}

export function scramClient(
  hash: ScramHash,
  username: string,
  password: string,
  cbind?: { type: ChannelBindingType; data: Buffer },
  opts: ScramClientOptions = {},
): ScramClient {
  const nonce = opts.nonce ?? randomBytes(18).toString('base64');
  const flag = cbind ? `p=${cbind.type}` : opts.supportsChannelBinding ? 'y' : 'n';
  const authz = opts.authzid === undefined ? '' : `a=${encodeSaslName(opts.authzid)}`;
  const gs2Header = `${flag},${authz},`;
  const firstBare = `n=${encodeSaslName(username)},r=${nonce}`;
  let serverSignature: Buffer | undefined;

  return {
    first: () => gs2Header + firstBare,

    async final(serverFirst) {
      const sf = parseServerFirst(serverFirst);
      if (sf === undefined) throw new Error('malformed server-first-message');
      if (!sf.nonce.startsWith(nonce) || sf.nonce.length === nonce.length) {
        throw new Error('server nonce does not extend the client nonce');
      }
      if (sf.iterations > MAX_CLIENT_ITERATIONS) throw new Error('iteration count too high');
      const cbData = cbind ? cbind.data : Buffer.alloc(0);
      const c = Buffer.concat([Buffer.from(gs2Header, 'utf8'), cbData]).toString('base64');
      const withoutProof = `c=${c},r=${sf.nonce}`;
      const authMessage = `${firstBare},${serverFirst},${withoutProof}`;
      const salted = await saltedPassword(hash, password, sf.salt, sf.iterations);
      const { clientKey, storedKey, serverKey } = keysFromSalted(hash, salted);
      const signature = hmac(hash, storedKey, authMessage);
      const proof = Buffer.alloc(clientKey.length);
      for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i] ^ signature[i];
      serverSignature = hmac(hash, serverKey, authMessage);
      return `${withoutProof},p=${proof.toString('base64')}`;
    },

    verify(serverFinal) {
      const parsed = parseServerFinal(serverFinal);
      if (parsed === undefined || !('verifier' in parsed) || serverSignature === undefined) {
        return false;
      }
      const v = parsed.verifier;
      return v.length === serverSignature.length && timingSafeEqual(v, serverSignature);
    },
  };
}

/**
 * Server side of SCRAM-SHA-1/-256 and their -PLUS variants (RFC 5802, RFC 7677), with channel
 * binding types tls-server-end-point (RFC 5929 §4) and tls-exporter (RFC 9266).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { H, hmac, SCRAM_DIGEST_BYTES } from '../../auth/scram.ts';
import type { ScramHash } from '../../auth/scram-credentials.ts';
import { authzidAllowed, failure, type LookedUp, lookupCredentials } from './account-lookup.ts';
import {
  type ClientFirst,
  decodeUtf8,
  parseClientFinal,
  parseClientFirst,
} from './scram-messages.ts';
import type { SaslDeps, SaslServer, SaslStep } from './types.ts';

type State =
  | { name: 'initial' }
  | { name: 'wait-first' }
  | { name: 'wait-final'; first: ClientFirst; serverFirst: string; nonce: string; who: LookedUp }
  | { name: 'done' };

function defaultNonce(): string {
  return randomBytes(18).toString('base64');
}

export function createScramServer(hash: ScramHash, plus: boolean, deps: SaslDeps): SaslServer {
  const mechanism = `SCRAM-SHA-${hash === 'sha1' ? '1' : '256'}${plus ? '-PLUS' : ''}`;
  let state: State = { name: 'initial' };

  // RFC 5802 §6: the gs2 flag must agree with the mechanism and with what we advertised.
  function checkChannelBinding(first: ClientFirst): SaslStep | undefined {
    const { flag } = first;
    if (plus) {
      if (flag.kind !== 'p') return failure('malformed-request', 'channel binding required');
      if (flag.cbName !== deps.channelBinding?.type) {
        return failure('not-authorized', 'unsupported-channel-binding-type');
      }
      return undefined;
    }
    if (flag.kind === 'p') return failure('malformed-request', 'use a -PLUS mechanism');
    // 'y': the client can bind but believes we can't. We can and advertised -PLUS, so an
    // attacker stripped it from the mechanism list (downgrade).
    if (flag.kind === 'y' && deps.channelBinding !== undefined) {
      return failure('not-authorized', 'server-does-support-channel-binding');
    }
    return undefined;
  }

  async function onClientFirst(data: Buffer): Promise<SaslStep> {
    const text = decodeUtf8(data);
    const first = text === undefined ? 'malformed' : parseClientFirst(text);
    if (first === 'extension') return failure('malformed-request', 'extensions-not-supported');
    if (first === 'malformed') return failure('malformed-request');
    const cbFailure = checkChannelBinding(first);
    if (cbFailure) return cbFailure;
    const who = await lookupCredentials(deps, first.username, hash);
    if ('kind' in who) return who;
    if (first.authzid !== undefined && !authzidAllowed(first.authzid, who.username, deps.domain)) {
      return failure('invalid-authzid');
    }
    const nonce = first.nonce + (deps.serverNonce ?? defaultNonce)();
    const { salt, iterations } = who.creds;
    const serverFirst = `r=${nonce},s=${salt.toString('base64')},i=${iterations}`;
    state = { name: 'wait-final', first, serverFirst, nonce, who };
    return { kind: 'challenge', data: Buffer.from(serverFirst, 'utf8') };
  }

  function onClientFinal(data: Buffer, s: State & { name: 'wait-final' }): SaslStep {
    const text = decodeUtf8(data);
    const final = text === undefined ? undefined : parseClientFinal(text);
    if (final === undefined) return failure('malformed-request');
    if (final.proof.length !== SCRAM_DIGEST_BYTES[hash]) return failure('malformed-request');
    const cbData = s.first.flag.kind === 'p' ? deps.channelBinding!.data : Buffer.alloc(0);
    const expected = Buffer.concat([Buffer.from(s.first.gs2Header, 'utf8'), cbData]);
    if (!safeEqual(final.channelBinding, expected)) {
      return failure('not-authorized', 'channel-bindings-dont-match');
    }
    if (final.nonce !== s.nonce) return failure('not-authorized');
    // RFC 5802 §3: AuthMessage, ClientSignature, and ClientKey recovered from the proof.
    const authMessage = `${s.first.bare},${s.serverFirst},${final.withoutProof}`;
    const { storedKey, serverKey } = s.who.creds;
    const signature = hmac(hash, storedKey, authMessage);
    const clientKey = Buffer.alloc(signature.length);
    for (let i = 0; i < signature.length; i++) clientKey[i] = final.proof[i] ^ signature[i];
    const proofOk = timingSafeEqual(H(hash, clientKey), storedKey);
    if (!proofOk || !s.who.known || s.who.username === undefined) return failure('not-authorized');
    const verifier = hmac(hash, serverKey, authMessage).toString('base64');
    return {
      kind: 'success',
      data: Buffer.from(`v=${verifier}`, 'utf8'),
      username: s.who.username,
    };
  }

  async function run(data: Buffer): Promise<SaslStep> {
    const s = state;
    state = { name: 'done' };
    try {
      if (s.name === 'wait-first') return await onClientFirst(data);
      if (s.name === 'wait-final') return onClientFinal(data, s);
      return failure('malformed-request', 'unexpected response');
    } catch {
      // Defensive: the contract is "never throw"; parsing is total, so this is a bug path.
      state = { name: 'done' };
      return failure('malformed-request');
    }
  }

  return {
    mechanism,
    async start(initial) {
      if (state.name !== 'initial') {
        state = { name: 'done' };
        return failure('malformed-request', 'exchange already started');
      }
      state = { name: 'wait-first' };
      // RFC 6120 §6.4.2: without an initial response, send an empty challenge.
      if (initial === null) return { kind: 'challenge', data: Buffer.alloc(0) };
      return run(initial);
    },
    step(response) {
      return run(response);
    },
  };
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

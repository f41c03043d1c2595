/**
 * Server side of SCRAM-SHA-1/-256 and their -PLUS variants (RFC 5802, RFC 7677), with the
 * channel-binding types of the connection (tls-unique and tls-server-end-point, RFC 5929;
 * tls-exporter, RFC 9266).
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
import type { SaslDeps, SaslFailureCondition, SaslServer, SaslStep } from './types.ts';

/**
 * What the gs2 flag asked for: binding to data we have; a -PLUS type this connection lacks;
 * 'y' although we offered -PLUS; or no binding at all ('n', or 'y' when we offered none).
 */
type Binding =
  | { kind: 'bound'; data: Buffer }
  | { kind: 'type-refused' }
  | { kind: 'y-offered' }
  | { kind: 'unbound' };

type State =
  | { name: 'initial' }
  | { name: 'wait-first' }
  | {
      name: 'wait-final';
      first: ClientFirst;
      binding: Binding;
      serverFirst: string;
      nonce: string;
      who: LookedUp;
    }
  | { name: 'done' };

function defaultNonce(): string {
  return randomBytes(18).toString('base64');
}

export function createScramServer(hash: ScramHash, plus: boolean, deps: SaslDeps): SaslServer {
  const mechanism = `SCRAM-SHA-${hash === 'sha1' ? '1' : '256'}${plus ? '-PLUS' : ''}`;
  let state: State = { name: 'initial' };
  const hasChannelBinding = (deps.channelBindings?.length ?? 0) > 0;

  // RFC 5802 §6: the gs2 flag must agree with the mechanism. Which -PLUS types and which 'y'
  // flags are accepted is decided here; docs/security.md "Channel binding" gives the reasons.
  function checkFlag(first: ClientFirst): Binding | { kind: 'refuse'; step: SaslStep } {
    const { flag } = first;
    if (plus) {
      if (flag.kind !== 'p') return refuse('malformed-request', 'channel binding required');
      const cb = deps.channelBindings?.find((b) => b.type === flag.cbName);
      // A type we lack for this connection: the exchange goes on to the proof, so that a
      // client that knows the password earns its 'y' retry and an attacker does not.
      return cb ? { kind: 'bound', data: cb.data } : { kind: 'type-refused' };
    }
    if (flag.kind === 'p') return refuse('malformed-request', 'use a -PLUS mechanism');
    return { kind: flag.kind === 'y' && hasChannelBinding ? 'y-offered' : 'unbound' };
  }

  async function onClientFirst(data: Buffer): Promise<SaslStep> {
    const text = decodeUtf8(data);
    const first = text === undefined ? 'malformed' : parseClientFirst(text);
    if (first === 'extension') return failure('malformed-request', 'extensions-not-supported');
    if (first === 'malformed') return failure('malformed-request');
    const binding = checkFlag(first);
    if (binding.kind === 'refuse') return binding.step;
    const who = await lookupCredentials(deps, first.username, hash);
    if ('kind' in who) return who;
    if (first.authzid !== undefined && !authzidAllowed(first.authzid, who.username, deps.domain)) {
      return failure('invalid-authzid');
    }
    // 'y': the client can bind but believes we can't, yet we offered -PLUS. Unless this very
    // user already tried -PLUS on this stream (and proved its password), an attacker stripped
    // -PLUS from the offer: a downgrade (RFC 5802 §6).
    if (
      binding.kind === 'y-offered' &&
      (who.username === undefined || who.username !== deps.plusRefusedFor)
    ) {
      return failure('not-authorized', 'server-does-support-channel-binding');
    }
    const nonce = first.nonce + (deps.serverNonce ?? defaultNonce)();
    const { salt, iterations } = who.creds;
    const serverFirst = `r=${nonce},s=${salt.toString('base64')},i=${iterations}`;
    state = { name: 'wait-final', first, binding, serverFirst, nonce, who };
    return { kind: 'challenge', data: Buffer.from(serverFirst, 'utf8') };
  }

  function onClientFinal(data: Buffer, s: State & { name: 'wait-final' }): SaslStep {
    const text = decodeUtf8(data);
    const final = text === undefined ? undefined : parseClientFinal(text);
    if (final === undefined) return failure('malformed-request');
    if (final.proof.length !== SCRAM_DIGEST_BYTES[hash]) return failure('malformed-request');
    const gs2 = Buffer.from(s.first.gs2Header, 'utf8');
    if (s.binding.kind === 'type-refused') {
      // We cannot check the data; the header must still be the one of the client-first.
      const sameHeader = final.channelBinding.subarray(0, gs2.length).equals(gs2);
      if (!sameHeader) return failure('not-authorized', 'channel-bindings-dont-match');
    } else {
      const cbData = s.binding.kind === 'bound' ? s.binding.data : Buffer.alloc(0);
      if (!safeEqual(final.channelBinding, Buffer.concat([gs2, cbData]))) {
        return failure('not-authorized', 'channel-bindings-dont-match');
      }
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
    if (s.binding.kind === 'type-refused') {
      return {
        kind: 'failure',
        condition: 'not-authorized',
        text: 'unsupported-channel-binding-type',
        cbTypeRefusedFor: s.who.username,
      };
    }
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

function refuse(condition: SaslFailureCondition, text: string): { kind: 'refuse'; step: SaslStep } {
  return { kind: 'refuse', step: failure(condition, text) };
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

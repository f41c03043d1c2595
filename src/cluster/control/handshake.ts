import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Mutual challenge-response over the shared cookie, in the spirit of Erlang distribution's
 * handshake: each side sends a fresh nonce, then proves knowledge of the cookie with
 * HMAC-SHA256(cookie, label | client nonce | server nonce | role | node name). The role makes a
 * client proof useless as a server proof (no reflection); the fresh nonces make proofs
 * useless on another connection (no replay); the cookie itself never crosses the wire.
 * The client proves first, so an anonymous peer never obtains a proof to attack offline.
 */
export const PROTOCOL_VERSION = 1;
const LABEL = 'meerkat-control-v1';

export type Role = 'client' | 'server';

export function newNonce(): string {
  return randomBytes(32).toString('hex');
}

export function proof(
  cookie: string,
  clientNonce: string,
  serverNonce: string,
  role: Role,
  nodeName: string,
): string {
  return createHmac('sha256', cookie)
    .update([LABEL, clientNonce, serverNonce, role, nodeName].join('\n'))
    .digest('hex');
}

export function proofMatches(expected: string, received: unknown): boolean {
  if (typeof received !== 'string' || received.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(expected), Buffer.from(received));
}

export const isNonce = (v: unknown): v is string =>
  typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);

/** Frames of the protocol, in order: hello → challenge → auth → welcome | refused, then calls. */
export interface Hello {
  type: 'hello';
  version: number;
  node: string;
  nonce: string;
}
export interface Challenge {
  type: 'challenge';
  version: number;
  node: string;
  nonce: string;
}
export interface Auth {
  type: 'auth';
  proof: string;
}
export interface Welcome {
  type: 'welcome';
  proof: string;
}
export interface Refused {
  type: 'refused';
  reason: string;
}
export interface Call {
  type: 'call';
  id: number;
  command: string;
  args: string[];
  flags: Record<string, string | boolean>;
}
export interface CallResult {
  type: 'result';
  id: number;
  text: string;
  json?: unknown;
  exitCode: 0 | 1;
}
export interface CallError {
  type: 'error';
  id: number;
  kind: 'command' | 'usage' | 'unknown_command' | 'internal';
  message: string;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

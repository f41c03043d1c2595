/**
 * SCRAM message syntax (RFC 5802 §7). Parsers return undefined (or an error tag) on any
 * deviation; they never throw.
 */

/** Longest SCRAM message we accept from a peer; real ones are a few hundred bytes. */
export const MAX_SCRAM_MESSAGE_BYTES = 4096;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// RFC 5802 §7: printable = %x21-2B / %x2D-7E (no comma).
const NONCE = /^[\x21-\x2b\x2d-\x7e]+$/;
const CB_NAME = /^[A-Za-z0-9.-]+$/;
const ATTR_VAL = /^[A-Za-z]=/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Strict UTF-8 decoding; undefined for invalid sequences or oversized input. */
export function decodeUtf8(data: Buffer): string | undefined {
  if (data.length > MAX_SCRAM_MESSAGE_BYTES) return undefined;
  try {
    return utf8.decode(data);
  } catch {
    return undefined;
  }
}

export function decodeBase64(s: string): Buffer | undefined {
  return BASE64.test(s) ? Buffer.from(s, 'base64') : undefined;
}

/** RFC 5802 §5.1 saslname: ',' and '=' travel as =2C and =3D; any other '=' is an error. */
export function decodeSaslName(s: string): string | undefined {
  if (s.length === 0 || s.includes('\0')) return undefined;
  if (/=(?!2C|3D)/.test(s)) return undefined;
  return s.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

export function encodeSaslName(s: string): string {
  return s.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

export type Gs2Flag = { kind: 'n' } | { kind: 'y' } | { kind: 'p'; cbName: string };

export interface ClientFirst {
  flag: Gs2Flag;
  authzid: string | undefined;
  /** The gs2-header exactly as sent, echoed back in the client-final c= attribute. */
  gs2Header: string;
  /** client-first-message-bare, part of the AuthMessage. */
  bare: string;
  username: string;
  nonce: string;
}

export type ParseError = 'malformed' | 'extension';

function parseFlag(s: string): Gs2Flag | undefined {
  if (s === 'n' || s === 'y') return { kind: s };
  if (s.startsWith('p=') && CB_NAME.test(s.slice(2))) return { kind: 'p', cbName: s.slice(2) };
  return undefined;
}

export function parseClientFirst(msg: string): ClientFirst | ParseError {
  const c1 = msg.indexOf(',');
  const c2 = c1 === -1 ? -1 : msg.indexOf(',', c1 + 1);
  if (c2 === -1) return 'malformed';
  const flag = parseFlag(msg.slice(0, c1));
  const authzField = msg.slice(c1 + 1, c2);
  if (flag === undefined) return 'malformed';
  let authzid: string | undefined;
  if (authzField !== '') {
    if (!authzField.startsWith('a=')) return 'malformed';
    authzid = decodeSaslName(authzField.slice(2));
    if (authzid === undefined) return 'malformed';
  }
  const bare = msg.slice(c2 + 1);
  const attrs = bare.split(',');
  // RFC 5802 §5.1: a mandatory extension (m=) we don't know means the exchange must fail.
  if (attrs[0].startsWith('m=')) return 'extension';
  if (attrs.length < 2 || !attrs[0].startsWith('n=') || !attrs[1].startsWith('r=')) {
    return 'malformed';
  }
  const username = decodeSaslName(attrs[0].slice(2));
  const nonce = attrs[1].slice(2);
  if (username === undefined || !NONCE.test(nonce)) return 'malformed';
  if (!attrs.slice(2).every((a) => ATTR_VAL.test(a))) return 'malformed';
  return { flag, authzid, gs2Header: msg.slice(0, c2 + 1), bare, username, nonce };
}

export interface ClientFinal {
  channelBinding: Buffer;
  nonce: string;
  proof: Buffer;
  /** client-final-message-without-proof, part of the AuthMessage. */
  withoutProof: string;
}

export function parseClientFinal(msg: string): ClientFinal | undefined {
  const p = msg.lastIndexOf(',p=');
  if (p === -1) return undefined;
  const withoutProof = msg.slice(0, p);
  const proof = decodeBase64(msg.slice(p + 3));
  const attrs = withoutProof.split(',');
  if (proof === undefined || attrs.length < 2) return undefined;
  if (!attrs[0].startsWith('c=') || !attrs[1].startsWith('r=')) return undefined;
  const channelBinding = decodeBase64(attrs[0].slice(2));
  const nonce = attrs[1].slice(2);
  if (channelBinding === undefined || !NONCE.test(nonce)) return undefined;
  if (!attrs.slice(2).every((a) => ATTR_VAL.test(a) && !a.startsWith('p='))) return undefined;
  return { channelBinding, nonce, proof, withoutProof };
}

export interface ServerFirst {
  nonce: string;
  salt: Buffer;
  iterations: number;
}

export function parseServerFirst(msg: string): ServerFirst | undefined {
  const attrs = msg.split(',');
  if (attrs.length < 3) return undefined;
  const [r, s, i] = attrs;
  if (!r.startsWith('r=') || !s.startsWith('s=') || !i.startsWith('i=')) return undefined;
  const nonce = r.slice(2);
  const salt = decodeBase64(s.slice(2));
  const iterations = /^[1-9][0-9]{0,9}$/.test(i.slice(2)) ? Number(i.slice(2)) : Number.NaN;
  if (!NONCE.test(nonce) || salt === undefined || salt.length === 0) return undefined;
  if (!Number.isSafeInteger(iterations)) return undefined;
  return { nonce, salt, iterations };
}

/** Server-final: the verifier (v=) or the server's error value (e=). */
export function parseServerFinal(
  msg: string,
): { verifier: Buffer } | { error: string } | undefined {
  const first = msg.split(',')[0];
  if (first.startsWith('e=')) return { error: first.slice(2) };
  if (!first.startsWith('v=')) return undefined;
  const verifier = decodeBase64(first.slice(2));
  return verifier === undefined ? undefined : { verifier };
}

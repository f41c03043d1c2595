/**
 * What one node publishes on another node's subject for a stanza addressed to a session there:
 * sender and recipient JIDs, how often it was forwarded already, and the stanza as XML with its
 * own `xmlns` (serialize(el) without a parent namespace).
 */
export interface ForwardEnvelope {
  f: string;
  t: string;
  h: number;
  x: string;
}

export function encodeForward(e: ForwardEnvelope): string {
  return JSON.stringify({ f: e.f, t: e.t, h: e.h, x: e.x });
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** The envelope in a NATS message, or undefined when it is not one (not JSON, a field missing). */
export function decodeForward(data: Uint8Array): ForwardEnvelope | undefined {
  let v: unknown;
  try {
    v = JSON.parse(decoder.decode(data));
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const { f, t, h, x } = v as Record<string, unknown>;
  if (typeof f !== 'string' || typeof t !== 'string' || typeof x !== 'string') return undefined;
  if (typeof h !== 'number' || !Number.isInteger(h) || h < 0) return undefined;
  return { f, t, h, x };
}

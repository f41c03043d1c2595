import { type Attrs, escapeAttr } from '../../xml/index.ts';

/** XEP-0124 wrapper namespace and the XEP-0206 attribute namespace. */
export const NS_HTTPBIND = 'http://jabber.org/protocol/httpbind';
export const NS_XBOSH = 'urn:xmpp:xbosh';
const NS_STREAM = 'http://etherx.jabber.org/streams';

/** The protocol version we implement (XEP-0124 1.11). */
export const BOSH_VERSION = '1.11';

/** XEP-0124 §17.2 terminal binding conditions. */
export type BoshCondition =
  | 'bad-request'
  | 'host-gone'
  | 'host-unknown'
  | 'improper-addressing'
  | 'internal-server-error'
  | 'item-not-found'
  | 'other-request'
  | 'policy-violation'
  | 'remote-connection-failed'
  | 'remote-stream-error'
  | 'see-other-uri'
  | 'system-shutdown'
  | 'undefined-condition';

/** Server-side caps on what a client may negotiate (defaults follow ejabberd's). */
export interface BoshLimits {
  /** Longest time (s) a request is held before an empty response (§7.1 'wait'). */
  maxWait: number;
  /** Most requests held at once (§7.1 'hold'). */
  maxHold: number;
  /** Seconds without any request held before the session ends (§7.2 'inactivity'). */
  inactivity: number;
  /** Shortest interval (s) between empty requests the client should keep (§7.2 'polling'). */
  polling: number;
  /** Longest pause (s) a client may ask for (§12 'maxpause'). */
  maxPause: number;
  /** Stanzas waiting for a request before the session is closed as a slow reader. */
  maxPendingStanzas: number;
  /** Open sessions per endpoint; more are refused at creation. */
  maxSessions: number;
}

export const DEFAULT_BOSH_LIMITS: BoshLimits = {
  maxWait: 60,
  maxHold: 1,
  inactivity: 30,
  polling: 2,
  maxPause: 120,
  maxPendingStanzas: 1000,
  maxSessions: 10_000,
};

/** Bytes a body wrapper may add around the stanzas it carries. */
export const BODY_OVERHEAD = 1024;

/** Largest rid (§14: 2^53 - 1, so it stays exact in JavaScript numbers). */
const MAX_RID = Number.MAX_SAFE_INTEGER;

export interface Negotiated {
  wait: number;
  hold: number;
  /** Requests the client may keep open at once: hold + 1 (§7.2). */
  requests: number;
  inactivity: number;
  polling: number;
  maxPause: number;
  ver: string;
}

/** Parses a non-negative decimal integer attribute; undefined when absent or malformed. */
export function intAttr(v: string | undefined): number | undefined {
  if (v === undefined || !/^[0-9]{1,16}$/.test(v)) return undefined;
  const n = Number(v);
  return n <= MAX_RID ? n : undefined;
}

/** A rid is a positive integer below 2^53 (§14). */
export function parseRid(v: string | undefined): number | undefined {
  const n = intAttr(v);
  return n !== undefined && n > 0 ? n : undefined;
}

/**
 * §7.1-7.2: the session creation response echoes what the client asked for, lowered to our
 * caps. A missing or malformed wait/hold gets the cap (clients omitting them are lenient).
 */
export function negotiate(attrs: Attrs, limits: BoshLimits): Negotiated {
  const wait = Math.max(1, Math.min(intAttr(attrs.wait) ?? limits.maxWait, limits.maxWait));
  const hold = Math.min(intAttr(attrs.hold) ?? limits.maxHold, limits.maxHold);
  return {
    wait,
    hold,
    requests: hold + 1,
    inactivity: limits.inactivity,
    polling: limits.polling,
    maxPause: limits.maxPause,
    ver: negotiateVersion(attrs.ver),
  };
}

/** §7.2 'ver': the highest version we support that is not higher than the client's. */
function negotiateVersion(clientVer: string | undefined): string {
  const m = clientVer?.match(/^([0-9]{1,3})\.([0-9]{1,3})$/);
  if (!m) return BOSH_VERSION;
  const [maj, min] = [Number(m[1]), Number(m[2])];
  return maj < 1 || (maj === 1 && min < 11) ? `${maj}.${min}` : BOSH_VERSION;
}

/** Opening of a response `<body>` with the namespaces its children may use. */
export function bodyOpen(attrs: Record<string, string | undefined>): string {
  let out = `<body xmlns='${NS_HTTPBIND}' xmlns:xmpp='${NS_XBOSH}' xmlns:stream='${NS_STREAM}'`;
  for (const [k, v] of Object.entries(attrs))
    if (v !== undefined) out += ` ${k}='${escapeAttr(v)}'`;
  return out;
}

/** A complete response body around already serialized children. */
export function responseBody(payload: string, attrs: Record<string, string | undefined> = {}) {
  const open = bodyOpen(attrs);
  return payload === '' ? `${open}/>` : `${open}>${payload}</body>`;
}

/** §17.2 / XEP-0206 §7: a terminal response, with the stream error (if any) inside. */
export function terminateBody(condition: BoshCondition | undefined, payload = ''): string {
  return responseBody(payload, { type: 'terminate', condition });
}

import { type Attrs, type Element, NS_CLIENT, XmppStreamParser } from '../../xml/index.ts';
import { intAttr, NS_HTTPBIND, NS_XBOSH, parseRid } from './protocol.ts';

/** One client request: the `<body/>` wrapper read into what the session needs. */
export interface BoshRequest {
  rid: number;
  sid: string | undefined;
  /** The wrapper's attributes as sent (to, xml:lang, wait, hold, ver...). */
  attrs: Attrs;
  /** The stanzas carried, with the wrapper's default namespace read as jabber:client. */
  children: Element[];
  terminate: boolean;
  /** XEP-0206 §5: xmpp:restart='true'. */
  restart: boolean;
  /** XEP-0206 §4: xmpp:version of a session creation request. */
  xmppVersion: string | undefined;
  /** §12: seconds asked for, when present. */
  pause: number | undefined;
  bytes: number;
}

export type ParsedRequest = { ok: true; req: BoshRequest } | { ok: false; reason: string };

/**
 * Parses a request body (XEP-0124 §4: exactly one `<body/>` in the httpbind namespace) with the
 * stream parser's limits (depth, attributes, no DTD/PI/comments, strict UTF-8).
 */
export function parseRequest(data: Buffer, maxBytes: number): ParsedRequest {
  const found: Element[] = [];
  let error: string | undefined;
  const parser = new XmppStreamParser(
    { maxStanzaBytes: maxBytes, framing: 'websocket' },
    {
      streamOpen: () => {},
      stanza: (el) => found.push(el),
      streamClose: () => {},
      error: (e) => {
        error = e.text ?? e.condition;
      },
    },
  );
  parser.write(data);
  if (error !== undefined) return { ok: false, reason: error };
  if (found.length !== 1 || parser.bufferedBytes > trailingWhitespace(data)) {
    return { ok: false, reason: 'the request must be one complete <body/>' };
  }
  const body = found[0]!;
  if (body.name !== 'body' || body.ns !== NS_HTTPBIND) {
    return { ok: false, reason: `the root must be <body xmlns='${NS_HTTPBIND}'/>` };
  }
  const rid = parseRid(body.attrs.rid);
  if (rid === undefined) return { ok: false, reason: 'missing or invalid rid' };
  const prefix = xboshPrefix(body.attrs);
  const xattr = (name: string) => (prefix ? body.attrs[`${prefix}:${name}`] : undefined);
  const pauseAttr = body.attrs.pause;
  const pause = intAttr(pauseAttr);
  if (pauseAttr !== undefined && pause === undefined) return { ok: false, reason: 'bad pause' };
  const children = body.elements();
  for (const c of children) toClientNamespace(c);
  return {
    ok: true,
    req: {
      rid,
      sid: body.attrs.sid,
      attrs: body.attrs,
      children,
      terminate: body.attrs.type === 'terminate',
      restart: xattr('restart') === 'true',
      xmppVersion: xattr('version'),
      pause,
      bytes: data.length,
    },
  };
}

/** The prefix bound to urn:xmpp:xbosh on the wrapper (usually `xmpp`). */
function xboshPrefix(attrs: Attrs): string | undefined {
  for (const key of Object.keys(attrs)) {
    if (key.startsWith('xmlns:') && attrs[key] === NS_XBOSH) return key.slice(6);
  }
  return undefined;
}

/**
 * XEP-0206 §6: stanzas are qualified by jabber:client; a client that leaves them unqualified
 * inherits the wrapper's namespace, which we read as jabber:client.
 */
function toClientNamespace(el: Element): void {
  if (el.ns !== NS_HTTPBIND) return;
  el.ns = NS_CLIENT;
  for (const c of el.children) if (typeof c !== 'string') toClientNamespace(c);
}

function trailingWhitespace(data: Buffer): number {
  let n = 0;
  for (let i = data.length - 1; i >= 0; i--) {
    const c = data[i];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    n++;
  }
  return n;
}

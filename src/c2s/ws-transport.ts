import type { TLSSocket } from 'node:tls';
import type { WebSocket } from 'ws';
import { StreamError } from '../errors/index.ts';
import { makeReadShaper, PauseGate, type ReadShaper } from '../net/shaper.ts';
import { type Element, NS_CLIENT, NS_FRAMING, NS_STREAM } from '../xml/index.ts';
import { type StreamParserHandler, XmppStreamParser } from '../xml/parser.ts';
import { escapeAttr, escapeText, serialize } from '../xml/serializer.ts';
import type { C2sDeps, ListenerPolicy } from './deps.ts';
import { tlsChannelBindings } from './sasl/channel-binding.ts';
import { C2sSession } from './session.ts';
import type { C2sTransport, ChannelBinding, StreamHeaderAttrs } from './transport.ts';

export interface WsTransportOptions {
  ws: WebSocket;
  /** Client address (from X-Forwarded-For when the peer is a trusted proxy). */
  ip: string;
  /** The HTTP listener has TLS, or a trusted proxy reported `X-Forwarded-Proto: https`. */
  secure: boolean;
  /** The client's own TLS connection (not a trusted proxy's): channel binding comes from it. */
  tls?: TLSSocket | undefined;
  maxStanzaBytes: number;
  /** `[shaper.NAME] max_rate` of the listener: message bytes per second; undefined: unshaped. */
  maxReadRate?: number;
}

/** No STARTTLS over WebSocket; PLAIN only when the connection is secure (RFC 6120 §6.4.1). */
const WS_POLICY: ListenerPolicy = { tlsMode: 'starttls', allowPlainWithoutTls: false };

/** Runs the c2s state machine (the same one as TCP) on an accepted WebSocket. */
export function startWsSession(
  ws: WebSocket,
  client: { ip: string; secure: boolean; tls?: TLSSocket | undefined },
  deps: C2sDeps,
  opts: { maxReadRate?: number } = {},
): C2sSession {
  const transport = new WsTransport({
    ws,
    ip: client.ip,
    secure: client.secure,
    tls: client.tls,
    maxStanzaBytes: deps.limits.maxStanzaBytesPreauth,
    maxReadRate: opts.maxReadRate,
  });
  return new C2sSession(transport, deps, WS_POLICY);
}

/** WebSocket close codes (RFC 6455 §7.4.1). */
const WS_NORMAL = 1000;
const WS_UNSUPPORTED_DATA = 1003;
const CLOSE_FRAME = `<close xmlns='${NS_FRAMING}'/>`;

/**
 * RFC 7395 XMPP over WebSocket: every message is one complete element, the stream is opened
 * and closed with `<open/>` and `<close/>` of the framing namespace, and there is no STARTTLS
 * (the HTTP listener or the proxy in front of it owns TLS, §3.2).
 */
export class WsTransport implements C2sTransport {
  readonly kind = 'ws' as const;
  readonly ip: string;
  private readonly ws: WebSocket;
  private readonly secure: boolean;
  private readonly tls: TLSSocket | undefined;
  private readonly parser: XmppStreamParser;
  private handler: StreamParserHandler | undefined;
  private discarding = false;
  private closed = false;
  private readonly closeCallbacks: (() => void)[] = [];
  /** The session's back-pressure and the shaper each hold input independently. */
  private readonly gate: PauseGate;
  private readonly shaper: ReadShaper | undefined;

  constructor(opts: WsTransportOptions) {
    this.ws = opts.ws;
    this.gate = new PauseGate(opts.ws);
    this.shaper = makeReadShaper(opts.maxReadRate, this.gate);
    this.ip = opts.ip;
    this.secure = opts.secure;
    this.tls = opts.tls;
    this.parser = new XmppStreamParser(
      { maxStanzaBytes: opts.maxStanzaBytes, framing: 'websocket' },
      {
        // Never called in websocket framing: <open/> arrives as an element.
        streamOpen: () => {},
        stanza: (el) => this.onElement(el),
        streamClose: () => this.deliver((h) => h.streamClose()),
        error: (e) => this.deliver((h) => h.error(e)),
      },
    );
    const ws = this.ws;
    ws.binaryType = 'nodebuffer';
    ws.on('message', (data, isBinary) => {
      const msg = data as Buffer;
      if (this.shaper) this.shaper.push(msg.length, () => this.onMessage(msg, isBinary));
      else this.onMessage(msg, isBinary);
    });
    ws.once('close', () => this.handleClose());
    // Errors (oversize frame → 1009, bad UTF-8 → 1007, resets) end in 'close'.
    ws.on('error', () => {});
  }

  private deliver(fn: (h: StreamParserHandler) => void): void {
    if (!this.discarding && this.handler) fn(this.handler);
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.discarding) return;
    if (isBinary) {
      // RFC 7395 §3.2: XMPP frames are UTF-8 text messages.
      this.ws.close(WS_UNSUPPORTED_DATA, 'text frames only');
      return;
    }
    this.parser.write(data);
    // RFC 7395 §3.3.3: a message holds complete elements; what the parser still holds beyond
    // trailing whitespace is an element left open.
    if (this.parser.bufferedBytes > trailingWhitespace(data)) {
      this.deliver((h) =>
        h.error(new StreamError('not-well-formed', 'a message must hold a complete element')),
      );
    }
  }

  /** Maps the framing elements to stream events, so C2sSession sees one stream model. */
  private onElement(el: Element): void {
    if (el.ns !== NS_FRAMING) {
      this.deliver((h) => h.stanza(el));
      return;
    }
    if (el.name === 'open') {
      // RFC 7395 §3.3.2: <open/> plays the role of the stream header; its content namespace is
      // jabber:client by definition (stanzas carry it on each top-level element).
      const open = { name: 'stream', prefix: 'stream', ns: NS_STREAM, defaultNs: NS_CLIENT };
      this.deliver((h) => h.streamOpen({ ...open, attrs: el.attrs }));
    } else if (el.name === 'close') {
      this.deliver((h) => h.streamClose());
    } else {
      this.deliver((h) => h.error(new StreamError('unsupported-stanza-type', `<${el.name}/>`)));
    }
  }

  private handleClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.shaper?.stop();
    for (const cb of this.closeCallbacks) cb();
  }

  isSecure(): boolean {
    return this.secure;
  }

  canStartTls(): boolean {
    return false;
  }

  async startTls(): Promise<void> {
    throw new Error('no STARTTLS over WebSocket (RFC 7395 §3.2)');
  }

  channelBindings(): ChannelBinding[] {
    // One WebSocket is one TLS connection: when it is the client's own, bind to it like TCP.
    // Behind a TLS-terminating proxy there is nothing of the client's to bind to (browsers
    // cannot compute binding data anyway; they send 'n').
    return this.tls && !this.tls.destroyed ? tlsChannelBindings(this.tls) : [];
  }

  setHandler(handler: StreamParserHandler): void {
    this.handler = handler;
  }

  discardInput(): void {
    this.discarding = true;
    this.parser.reset();
  }

  restartParser(): void {
    this.parser.reset();
  }

  setMaxStanzaBytes(n: number): void {
    this.parser.setMaxStanzaBytes(n);
  }

  openStream(a: StreamHeaderAttrs): void {
    // RFC 7395 §3.3.2: the server's answer to <open/> is an <open/> with from, id and version.
    this.write(
      `<open xmlns='${NS_FRAMING}' id='${escapeAttr(a.id)}' from='${escapeAttr(a.from)}'` +
        ` version='${escapeAttr(a.version)}' xml:lang='${escapeAttr(a.lang)}'/>`,
    );
  }

  send(el: Element): void {
    this.write(serializeWsElement(el));
  }

  bufferedBytes(): number {
    return this.ws.bufferedAmount;
  }

  closeStream(error?: Element): void {
    if (this.closed) return;
    // RFC 7395 §3.6.1: a stream error is followed by <close/>, then the WebSocket is closed.
    if (error) this.write(serializeWsElement(error));
    this.write(CLOSE_FRAME);
    this.discarding = true;
    this.ws.close(WS_NORMAL);
    // A peer that never answers the WebSocket close handshake is dropped.
    setTimeout(() => this.ws.terminate(), 2000).unref();
  }

  destroy(): void {
    this.ws.terminate();
  }

  pauseInput(): void {
    this.gate.hold('session');
  }

  resumeInput(): void {
    this.gate.release('session');
  }

  onClose(cb: () => void): void {
    this.closeCallbacks.push(cb);
  }

  private write(data: string): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(data);
  }
}

/**
 * One top-level element as a WebSocket message. Stanzas carry xmlns='jabber:client' (RFC 7395
 * §3.3.3); stream-namespace elements (features, error) keep the `stream:` prefix and declare it.
 */
export function serializeWsElement(el: Element): string {
  if (el.ns !== NS_STREAM) return serialize(el);
  let inner = '';
  for (const c of el.children)
    inner += typeof c === 'string' ? escapeText(c) : serialize(c, NS_STREAM);
  return `<stream:${el.name} xmlns:stream='${NS_STREAM}'>${inner}</stream:${el.name}>`;
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

import type { BoshSession } from '../net/bosh/bosh-session.ts';
import { BODY_OVERHEAD, type BoshCondition, NS_HTTPBIND } from '../net/bosh/protocol.ts';
import { type Element, NS_CLIENT, NS_STREAM } from '../xml/index.ts';
import type { StreamParserHandler } from '../xml/parser.ts';
import { serialize } from '../xml/serializer.ts';
import type { C2sDeps, ListenerPolicy } from './deps.ts';
import { C2sSession } from './session.ts';
import type { C2sTransport, ChannelBinding, StreamHeaderAttrs } from './transport.ts';
import { serializeWsElement } from './ws-transport.ts';

/** Like WebSocket: no STARTTLS; PLAIN only when the HTTP connection is secure. */
const BOSH_POLICY: ListenerPolicy = { tlsMode: 'starttls', allowPlainWithoutTls: false };

/** Runs the c2s state machine (the same one as TCP and WebSocket) on a new BOSH session. */
export function startBoshStream(session: BoshSession, deps: C2sDeps): C2sSession {
  return new C2sSession(new BoshTransport(session, deps), deps, BOSH_POLICY);
}

/**
 * Stream errors that XEP-0124 §17.2 names as binding conditions too: a client that does not
 * read the stream error inside still learns the reason from the `condition` attribute.
 */
const SAME_NAME: ReadonlySet<string> = new Set<BoshCondition>([
  'host-unknown',
  'host-gone',
  'improper-addressing',
  'internal-server-error',
  'policy-violation',
  'remote-connection-failed',
  'system-shutdown',
  'undefined-condition',
]);

/**
 * XEP-0206 carries one XMPP stream over a BOSH session: the session creation and restart
 * requests play the stream headers, body payloads are the stanzas, and terminate bodies close
 * the stream. The BOSH session owns HTTP and rid ordering; this adapter only maps events.
 */
export class BoshTransport implements C2sTransport {
  readonly kind = 'bosh' as const;
  readonly ip: string;
  private handler: StreamParserHandler | undefined;
  private discarding = false;
  private closed = false;
  private readonly closeCallbacks: (() => void)[] = [];

  constructor(
    private readonly session: BoshSession,
    deps: C2sDeps,
  ) {
    this.ip = session.ip;
    session.maxBodyBytes = deps.limits.maxStanzaBytesPreauth + BODY_OVERHEAD;
    session.setUpstream({
      open: (attrs) =>
        this.deliver((h) =>
          // The body's stream is a client stream by definition (XEP-0206 §4).
          h.streamOpen({
            name: 'stream',
            prefix: 'stream',
            ns: NS_STREAM,
            defaultNs: NS_CLIENT,
            attrs,
          }),
        ),
      element: (el) => this.deliver((h) => h.stanza(el)),
      close: () => this.deliver((h) => h.streamClose()),
      ended: () => this.handleClose(),
    });
  }

  private deliver(fn: (h: StreamParserHandler) => void): void {
    if (!this.discarding && !this.closed && this.handler) fn(this.handler);
  }

  private handleClose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const cb of this.closeCallbacks) cb();
  }

  isSecure(): boolean {
    return this.session.secure;
  }

  canStartTls(): boolean {
    return false;
  }

  async startTls(): Promise<void> {
    throw new Error('no STARTTLS over BOSH (XEP-0206 §8: TLS belongs to HTTP)');
  }

  channelBindings(): ChannelBinding[] {
    // Requests of one session may come over different HTTP connections: nothing to bind to.
    return [];
  }

  setHandler(handler: StreamParserHandler): void {
    this.handler = handler;
  }

  discardInput(): void {
    this.discarding = true;
  }

  restartParser(): void {
    // Every request body is parsed on its own: there is no stream parser to reset.
  }

  setMaxStanzaBytes(n: number): void {
    this.session.maxBodyBytes = n + BODY_OVERHEAD;
  }

  openStream(a: StreamHeaderAttrs): void {
    // XEP-0206 §4: the stream id goes out as 'authid' of the creation response.
    this.session.streamOpened(a.id, a.from);
  }

  send(el: Element): void {
    const features = el.name === 'features' && el.ns === NS_STREAM;
    this.session.send(serializeBoshChild(el), features);
  }

  bufferedBytes(): number {
    return this.session.bufferedBytes();
  }

  closeStream(error?: Element): void {
    if (this.closed) return;
    const condition = error?.elements()[0]?.name;
    const same = condition !== undefined && SAME_NAME.has(condition);
    this.session.close(
      error ? serializeWsElement(error) : undefined,
      same ? (condition as BoshCondition) : undefined,
    );
  }

  destroy(): void {
    this.session.terminate('remote-connection-failed');
  }

  pauseInput(): void {
    this.session.pauseInput();
  }

  resumeInput(): void {
    this.session.resumeInput();
  }

  onClose(cb: () => void): void {
    this.closeCallbacks.push(cb);
  }
}

/** A stanza inside `<body/>`: jabber:client declared on it, stream elements prefixed. */
export function serializeBoshChild(el: Element): string {
  return el.ns === NS_STREAM ? serializeWsElement(el) : serialize(el, NS_HTTPBIND);
}

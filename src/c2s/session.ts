import { randomUUID } from 'node:crypto';
import { StreamError } from '../errors/index.ts';
import type { SessionRef } from '../hooks/index.ts';
import type { Jid } from '../jid/index.ts';
import type { LocalSession } from '../sm/index.ts';
import { type Element, NS_CLIENT, NS_SASL, NS_TLS, x } from '../xml/index.ts';
import type { StreamOpen } from '../xml/parser.ts';
import { AuthFlow } from './auth-flow.ts';
import type { C2sDeps, ListenerPolicy } from './deps.ts';
import { EstablishedHandler } from './established.ts';
import { postAuthFeatures } from './features.ts';
import type { StanzaObserver, StreamControl } from './stream-control.ts';
import { checkStreamOpen } from './stream-open-check.ts';
import type { C2sTransport } from './transport.ts';

/** The c2s states (STYLE.md: every state named). */
export type C2sState =
  | { name: 'wait-for-stream'; phase: 'initial' | 'after-tls' | 'after-auth' }
  | { name: 'wait-for-feature-request' }
  | { name: 'wait-for-sasl-response' }
  | { name: 'wait-for-bind' }
  | { name: 'session-established' }
  | { name: 'closed' };

type Event =
  | { kind: 'open'; open: StreamOpen }
  | { kind: 'stanza'; el: Element }
  | { kind: 'close' }
  | { kind: 'error'; err: StreamError };

const QUEUE_PAUSE = 64;
const QUEUE_RESUME = 8;

/**
 * One client connection, whatever its transport. Input is processed strictly in order: events
 * queue up and the socket is paused while the queue is long (ARCHITECTURE.md §2).
 */
export class C2sSession implements LocalSession, StreamControl {
  readonly id = randomUUID();
  readonly data = new Map<string, unknown>();
  readonly connectedAt = Date.now();
  state: C2sState = { name: 'wait-for-stream', phase: 'initial' };
  domain: string | undefined;
  /** Bare JID string after SASL success. */
  authJid: string | undefined;
  private boundJid: Jid | undefined;
  private curPriority: number | undefined;
  private isAvailable = false;
  private streamOpened = false;
  private readonly queue: Event[] = [];
  private pumping = false;
  private paused = false;
  private preAuthTimer: NodeJS.Timeout | undefined;
  private readonly auth: AuthFlow;
  private readonly established: EstablishedHandler;
  private closeReason = 'connection closed';
  /** XEP-0198 counting, installed by mod_stream_management; undefined costs one check a stanza. */
  private observer: StanzaObserver | undefined;
  private isDetached = false;
  /** The connection; a resumed session (XEP-0198 §5) continues on another stream's. */
  conn: C2sTransport;

  constructor(
    conn: C2sTransport,
    readonly deps: C2sDeps,
    readonly policy: ListenerPolicy,
  ) {
    this.conn = conn;
    this.auth = new AuthFlow(this);
    this.established = new EstablishedHandler(this);
    this.attach(conn);
    this.preAuthTimer = setTimeout(
      () => void this.close(new StreamError('connection-timeout')),
      deps.limits.connectionTimeoutMs,
    );
    this.preAuthTimer.unref();
  }

  /** Undefined only before resource binding; the session manager holds bound sessions only. */
  get jid(): Jid {
    return this.boundJid as Jid;
  }
  get isBound(): boolean {
    return this.boundJid !== undefined;
  }
  get ip(): string {
    return this.conn.ip;
  }
  get priority(): number | undefined {
    return this.curPriority;
  }
  get available(): boolean {
    return this.isAvailable;
  }
  get transport(): string {
    return this.conn.kind;
  }
  get secure(): boolean {
    return this.conn.isSecure();
  }

  ref(): SessionRef {
    return this;
  }

  get session(): LocalSession {
    return this;
  }
  get detached(): boolean {
    return this.isDetached;
  }
  get closed(): boolean {
    return this.state.name === 'closed';
  }

  /** Events of a connection count only while it is this session's (a taken-over one is mute). */
  private attach(conn: C2sTransport): void {
    conn.setHandler({
      streamOpen: (open) => this.conn === conn && this.push({ kind: 'open', open }),
      stanza: (el) => {
        if (this.conn !== conn) return;
        // Bytes after <starttls/> must be discarded before anything else reads them (RFC 6120 §5.4.3.3).
        if (el.name === 'starttls' && el.ns === NS_TLS) conn.discardInput();
        this.push({ kind: 'stanza', el });
      },
      streamClose: () => this.conn === conn && this.push({ kind: 'close' }),
      error: (err) => this.conn === conn && this.push({ kind: 'error', err }),
    });
    conn.onClose(() => {
      if (this.conn === conn) void this.connectionLost();
    });
  }

  setPresence(available: boolean, priority: number | undefined): void {
    this.isAvailable = available;
    this.curPriority = available ? priority : undefined;
  }

  bindTo(jid: Jid): void {
    this.boundJid = jid;
    if (this.preAuthTimer) clearTimeout(this.preAuthTimer);
    this.preAuthTimer = undefined;
  }

  private push(ev: Event): void {
    this.queue.push(ev);
    if (!this.paused && this.queue.length >= QUEUE_PAUSE) {
      this.paused = true;
      this.conn.pauseInput();
    }
    if (!this.pumping) void this.pump();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.queue.length > 0 && this.state.name !== 'closed') {
        const ev = this.queue.shift()!;
        try {
          await this.handle(ev);
        } catch (err) {
          if (err instanceof StreamError) await this.close(err);
          else {
            this.deps.log.error({ what: 'c2s_internal_error', err, session: this.id });
            await this.close(new StreamError('internal-server-error'));
          }
        }
        if (this.paused && this.queue.length <= QUEUE_RESUME) {
          this.paused = false;
          this.conn.resumeInput();
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private async handle(ev: Event): Promise<void> {
    switch (ev.kind) {
      case 'open':
        return this.onStreamOpen(ev.open);
      case 'close':
        this.closeReason = 'stream closed by client';
        return this.close();
      case 'error':
        return this.close(ev.err);
      case 'stanza':
        return this.onElement(ev.el);
    }
  }

  private async onStreamOpen(open: StreamOpen): Promise<void> {
    const s = this.state;
    if (s.name !== 'wait-for-stream')
      throw new StreamError('invalid-xml', 'unexpected stream header');
    const domain = checkStreamOpen(
      open,
      this.deps.hosts,
      this.authJid ? this.domain : undefined,
      this.authJid,
    );
    this.domain = domain;
    this.openStream(open.attrs['xml:lang'] ?? 'en');
    if (s.phase === 'after-auth') {
      const extra = await this.deps.hooks.run('c2s-stream-features', [], {
        session: this.ref(),
        domain,
      });
      this.conn.send(postAuthFeatures(extra.acc));
      this.state = { name: 'wait-for-bind' };
      return;
    }
    this.conn.send(await this.preAuthFeatures(domain));
    this.state = { name: 'wait-for-feature-request' };
  }

  private openStream(lang: string): void {
    this.streamOpened = true;
    this.conn.openStream({
      id: randomUUID(),
      from: this.domain ?? [...this.deps.hosts][0] ?? 'localhost',
      lang: lang.length <= 35 ? lang : 'en',
      version: '1.0',
    });
  }

  private async onElement(el: Element): Promise<void> {
    switch (this.state.name) {
      case 'wait-for-feature-request':
        if (el.ns === NS_TLS && el.name === 'starttls') return this.startTls();
        if (el.ns === NS_SASL && el.name === 'auth') return this.auth.onAuth(el);
        if (el.name === 'iq' && el.ns === NS_CLIENT && (await this.preAuthIq(el))) return;
        throw new StreamError('not-authorized', 'authenticate first');
      case 'wait-for-sasl-response':
        if (el.ns === NS_SASL) return this.auth.onSaslElement(el);
        throw new StreamError('not-authorized', 'authentication is in progress');
      case 'wait-for-bind':
        if (el.ns !== NS_CLIENT && (await this.nonza(el))) return;
        return this.established.beforeBind(el);
      case 'session-established':
        if (el.ns !== NS_CLIENT && (await this.nonza(el))) return;
        if (this.observer !== undefined) this.observer.received();
        return this.established.onStanza(el);
      default:
        throw new StreamError('invalid-xml', 'unexpected element before the stream header');
    }
  }

  /** A nonza (XEP-0198 enable/r/a/resume) for a module; false leaves it to the stanza path. */
  private async nonza(el: Element): Promise<boolean> {
    if (this.observer?.nonza(el)) return true;
    const r = await this.deps.hooks.run('c2s-nonza', undefined, { stream: this, el });
    return r.stopped;
  }

  /** No feature but STARTTLS while TLS is required and missing (RFC 6120 §5.3.1). */
  private tlsPending(): boolean {
    return this.policy.tlsMode === 'starttls_required' && !this.conn.isSecure();
  }

  private async preAuthFeatures(domain: string): Promise<Element> {
    const features = this.auth.features();
    if (this.tlsPending()) return features;
    const extra = await this.deps.hooks.run('c2s-preauth-features', [], {
      session: this.ref(),
      domain,
      secure: this.conn.isSecure(),
    });
    for (const f of extra.acc) features.append(f);
    return features;
  }

  /** XEP-0077 §3.1: an IQ before authentication is for a module (in-band registration) or refused. */
  private async preAuthIq(el: Element): Promise<boolean> {
    if (this.tlsPending()) return false;
    const r = await this.deps.hooks.run('c2s-preauth-iq', undefined, {
      session: this.ref(),
      domain: this.domain!,
      iq: el,
      secure: this.conn.isSecure(),
    });
    if (!r.stopped || !r.acc) return false;
    this.conn.send(r.acc);
    return true;
  }

  private async startTls(): Promise<void> {
    if (!this.conn.canStartTls()) {
      // RFC 6120 §5.4.2.2: failure, then close the stream.
      this.conn.send(x('failure', NS_TLS));
      this.conn.closeStream();
      this.state = { name: 'closed' };
      return;
    }
    this.conn.send(x('proceed', NS_TLS));
    this.state = { name: 'wait-for-stream', phase: 'after-tls' };
    this.streamOpened = false; // a new stream: an error before its header needs a header first
    try {
      await this.conn.startTls();
    } catch (err) {
      this.deps.log.debug({ what: 'c2s_tls_failed', ip: this.ip, err });
      this.conn.destroy();
      return;
    }
    this.conn.restartParser();
  }

  /** After SASL success: new stream, larger stanza limit (RFC 6120 §6.4.6). */
  authenticated(bareJid: string): void {
    this.authJid = bareJid;
    this.state = { name: 'wait-for-stream', phase: 'after-auth' };
    // RFC 6120 §4.3.3: the restarted stream is new; an error in its header still needs our
    // response header first (§4.9.1.2), or the client's fresh parser cannot read it.
    this.streamOpened = false;
    this.conn.restartParser();
    this.conn.setMaxStanzaBytes(this.deps.limits.maxStanzaBytes);
  }

  setState(state: C2sState): void {
    this.state = state;
  }

  /** SessionRef.send: writes a stanza from the server without receive hooks. */
  send(stanza: Element): void {
    const observer = this.observer;
    if (this.state.name === 'closed' || this.isDetached) {
      // Kept for a resumption, or rerouted when the session ends (XEP-0198 §5).
      if (observer !== undefined) observer.sent(stanza);
      return;
    }
    this.conn.send(stanza);
    if (observer !== undefined) observer.sent(stanza);
    this.deps.counters.stanzaOut(stanza.name);
    if (this.conn.bufferedBytes() > this.deps.limits.maxOutboundBytes) {
      this.closeReason = 'outbound queue full';
      void this.close(new StreamError('policy-violation', 'too much unread data'));
    }
  }

  async deliver(stanza: Element): Promise<void> {
    if (this.state.name !== 'session-established') {
      // Ending with stream management: rerouted with its unacked stanzas (XEP-0198 §5).
      if (this.state.name === 'closed' && this.observer !== undefined) this.observer.sent(stanza);
      return;
    }
    if (this.deps.hooks.has('user-receive-packet')) {
      const r = await this.deps.hooks.run('user-receive-packet', stanza, {
        session: this.ref(),
        to: this.jid,
      });
      if (r.stopped) return;
      return this.send(r.acc);
    }
    this.send(stanza);
  }

  sendNonza(el: Element): void {
    if (this.state.name !== 'closed' && !this.isDetached) this.conn.send(el);
  }

  resend(stanza: Element): void {
    if (this.state.name !== 'closed' && !this.isDetached) this.conn.send(stanza);
  }

  setObserver(observer: StanzaObserver | undefined): void {
    this.observer = observer;
  }

  takeOver(from: StreamControl, greet: () => void): void {
    if (!(from instanceof C2sSession) || from === this) throw new Error('not another c2s session');
    const conn = from.conn;
    const pending = from.release();
    const old = this.conn;
    const wasDetached = this.isDetached;
    this.conn = conn;
    this.isDetached = false;
    this.streamOpened = true;
    this.closeReason = 'connection closed';
    // Input the old connection sent but this session has not handled is not counted in the 'h'
    // the client is about to learn: it will send it again (XEP-0198 §5).
    this.queue.length = 0;
    this.paused = false;
    if (!wasDetached) old.closeStream(new StreamError('conflict', 'session resumed').toElement());
    this.attach(conn);
    greet();
    for (const ev of pending) this.push(ev);
  }

  /** Gives up this (unbound) stream's connection to a session taking it over. */
  private release(): Event[] {
    this.state = { name: 'closed' };
    this.cleaned = true;
    if (this.preAuthTimer) clearTimeout(this.preAuthTimer);
    this.preAuthTimer = undefined;
    if (this.paused) {
      this.paused = false;
      this.conn.resumeInput();
    }
    return this.queue.splice(0);
  }

  /** The transport closed under us: a detachable session waits for a resumption (XEP-0198 §5). */
  private async connectionLost(): Promise<void> {
    if (this.state.name === 'session-established' && this.observer?.connectionLost()) {
      // Input already read is still handled (and counted): the client learns it at resumption.
      this.isDetached = true;
      this.deps.log.debug({ what: 'c2s_session_detached', jid: this.jid.toString() });
      return;
    }
    await this.cleanup();
  }

  async close(error?: StreamError): Promise<void> {
    if (this.state.name === 'closed') return;
    if (error) {
      this.closeReason = error.condition;
      if (!this.streamOpened) this.openStream('en'); // RFC 6120 §4.9.1.2: header first
    }
    this.state = { name: 'closed' };
    this.conn.closeStream(error?.toElement());
    await this.cleanup();
  }

  private cleaned = false;
  private async cleanup(): Promise<void> {
    if (this.cleaned) return;
    this.cleaned = true;
    this.state = { name: 'closed' };
    if (this.preAuthTimer) clearTimeout(this.preAuthTimer);
    // Cleanup runs from socket events and timers (not awaited by anyone): a failing hook, e.g.
    // a module writing to a database already closed by a node stop, is logged, never thrown.
    try {
      await this.established.ended(this.closeReason);
      const observer = this.observer;
      this.observer = undefined;
      if (observer) await observer.ended();
    } catch (err) {
      this.deps.log.warn({ what: 'c2s_cleanup_failed', session: this.id, err });
    }
  }
}

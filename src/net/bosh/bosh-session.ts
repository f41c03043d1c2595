import type { Attrs, Element } from '../../xml/index.ts';
import {
  type BoshCondition,
  type BoshLimits,
  type Negotiated,
  responseBody,
  terminateBody,
} from './protocol.ts';
import type { BoshRequest } from './request.ts';

/** Where a response body goes: one HTTP request's response. */
export interface BoshReply {
  send(xml: string): void;
}

/** What the requests feed: the c2s stream on top (see src/c2s/bosh-transport.ts). */
export interface BoshUpstream {
  /** A stream header: at session creation and at each restart (XEP-0206 §5). */
  open(attrs: Attrs): void;
  element(el: Element): void;
  /** The client terminated the session (§13); the stream should close cleanly. */
  close(): void;
  /** The session is over (any reason); nothing more goes up or down. */
  ended(): void;
}

export interface BoshSessionOptions {
  sid: string;
  params: Negotiated;
  limits: BoshLimits;
  ip: string;
  secure: boolean;
  /** Largest request body accepted now (grows after authentication). */
  maxBodyBytes: number;
  /** Called once the session may leave the session table. */
  onRemove(sid: string): void;
}

interface Held {
  rid: number;
  reply: BoshReply;
  timer: NodeJS.Timeout;
}

/**
 * One BOSH session (XEP-0124): requests are processed strictly in rid order whatever order
 * they arrive in, at most `hold` are held open for server pushes, every response is kept for a
 * retransmission of its rid, and the session ends after `inactivity` seconds with no request.
 */
export class BoshSession {
  readonly sid: string;
  readonly params: Negotiated;
  readonly ip: string;
  readonly secure: boolean;
  maxBodyBytes: number;
  private readonly o: BoshSessionOptions;
  private upstream: BoshUpstream | undefined;
  /** Highest rid processed; every lower rid was processed too. */
  private lastRid = 0;
  private creationRid = 0;
  private readonly held: Held[] = [];
  /** Requests that arrived ahead of a missing rid (or while input is paused), by rid. */
  private readonly waiting = new Map<number, { req: BoshRequest; reply: BoshReply }>();
  /** Recent responses by rid, for retransmissions (§14.3); at most `requests` of them. */
  private readonly responses = new Map<number, string>();
  private pending: string[] = [];
  private pendingBytes = 0;
  /** After a stream (re)start the response waits for the stream features (XEP-0206 §5). */
  private holdOutput = false;
  private stream: { authid: string; from: string } | undefined;
  private inactivityTimer: NodeJS.Timeout | undefined;
  private pauseSeconds: number | undefined;
  private flushScheduled = false;
  private inputPaused = false;
  /** Set once the session is over: what every later request is answered. */
  private final: string | undefined;

  constructor(o: BoshSessionOptions) {
    this.o = o;
    this.sid = o.sid;
    this.params = o.params;
    this.ip = o.ip;
    this.secure = o.secure;
    this.maxBodyBytes = o.maxBodyBytes;
  }

  get ended(): boolean {
    return this.final !== undefined;
  }

  setUpstream(u: BoshUpstream): void {
    this.upstream = u;
  }

  /** §7.1: the creation request opens the stream and waits for its features. */
  start(req: BoshRequest, reply: BoshReply): void {
    this.lastRid = req.rid;
    this.creationRid = req.rid;
    this.holdOutput = true;
    this.upstream?.open(streamAttrs(req));
    if (this.final !== undefined) {
      reply.send(this.final);
      return;
    }
    this.hold(req.rid, reply);
  }

  /** Every later request of this session. */
  handle(req: BoshRequest, reply: BoshReply): void {
    if (this.final !== undefined) {
      reply.send(this.final);
      return;
    }
    this.clearInactivity();
    const rid = req.rid;
    if (rid <= this.lastRid) {
      this.retransmission(rid, reply);
      return;
    }
    // §14.2: a rid beyond the window the client may have open is an error, not a gap to wait for.
    if (rid > this.lastRid + this.params.requests) {
      this.terminate('item-not-found', reply);
      return;
    }
    const earlier = this.waiting.get(rid);
    if (earlier) earlier.reply.send(responseBody(''));
    this.waiting.set(rid, { req, reply });
    this.drainWaiting();
  }

  private drainWaiting(): void {
    for (;;) {
      if (this.inputPaused || this.final !== undefined) return;
      const next = this.waiting.get(this.lastRid + 1);
      if (!next) return;
      this.waiting.delete(this.lastRid + 1);
      this.process(next.req, next.reply);
    }
  }

  /** §14.3: the same rid again gets the same response; a held one gets the new connection. */
  private retransmission(rid: number, reply: BoshReply): void {
    const cached = this.responses.get(rid);
    if (cached !== undefined) {
      reply.send(cached);
      return;
    }
    const h = this.held.find((e) => e.rid === rid);
    if (!h) {
      this.terminate('item-not-found', reply);
      return;
    }
    h.reply.send(responseBody(''));
    h.reply = reply;
  }

  private process(req: BoshRequest, reply: BoshReply): void {
    this.lastRid = req.rid;
    this.pauseSeconds = undefined;
    if (req.bytes > this.maxBodyBytes) {
      this.terminate('policy-violation', reply);
      return;
    }
    const up = this.upstream;
    if (req.pause !== undefined) {
      // §12: a pause beyond maxpause is refused; otherwise everything held is answered now and
      // the session sleeps up to `pause` seconds instead of `inactivity`.
      if (req.pause > this.params.maxPause) {
        this.terminate('policy-violation', reply);
        return;
      }
      this.hold(req.rid, reply);
      this.pauseSeconds = req.pause;
      while (this.held.length > 0) this.respond(this.held[0]!);
      return;
    }
    if (req.restart) {
      if (req.children.length > 0) {
        this.terminate('bad-request', reply);
        return;
      }
      this.holdOutput = true;
      up?.open(streamAttrs(req));
    }
    for (const el of req.children) up?.element(el);
    if (this.final !== undefined) {
      reply.send(this.final);
      return;
    }
    this.hold(req.rid, reply);
    // §13: the terminate request is answered when the stream has closed (see close()).
    if (req.terminate) up?.close();
  }

  private hold(rid: number, reply: BoshReply): void {
    const h: Held = { rid, reply, timer: undefined as unknown as NodeJS.Timeout };
    h.timer = setTimeout(() => this.respond(h), this.params.wait * 1000);
    h.timer.unref();
    this.held.push(h);
    // §11: past `hold` requests the oldest is answered at once, with whatever is pending.
    while (this.held.length > this.params.hold) this.respond(this.held[0]!);
    if (this.pending.length > 0) this.scheduleFlush();
  }

  private respond(h: Held, body?: string): void {
    const i = this.held.indexOf(h);
    if (i === -1) return;
    this.held.splice(i, 1);
    clearTimeout(h.timer);
    const xml = body ?? responseBody(this.takePending(), this.attrsFor(h.rid));
    this.remember(h.rid, xml);
    h.reply.send(xml);
    this.armInactivity();
  }

  /** §7.2: the creation response carries the negotiated parameters. */
  private attrsFor(rid: number): Record<string, string | undefined> {
    if (rid !== this.creationRid) return {};
    const p = this.params;
    return {
      sid: this.sid,
      wait: String(p.wait),
      requests: String(p.requests),
      hold: String(p.hold),
      inactivity: String(p.inactivity),
      polling: String(p.polling),
      maxpause: String(p.maxPause),
      ver: p.ver,
      from: this.stream?.from,
      authid: this.stream?.authid,
      secure: String(this.secure),
      'xmpp:version': '1.0',
      'xmpp:restartlogic': 'true',
    };
  }

  private takePending(): string {
    const out = this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    return out;
  }

  private remember(rid: number, xml: string): void {
    this.responses.set(rid, xml);
    for (const old of this.responses.keys()) {
      if (this.responses.size <= this.params.requests) break;
      this.responses.delete(old);
    }
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // One tick of batching: stanzas written together leave in one response.
    setImmediate(() => {
      this.flushScheduled = false;
      if (this.holdOutput || this.final !== undefined) return;
      const h = this.held[0];
      if (h && this.pending.length > 0) this.respond(h);
    });
  }

  private armInactivity(): void {
    if (this.final !== undefined || this.held.length > 0 || this.waiting.size > 0) return;
    this.clearInactivity();
    const seconds = this.pauseSeconds ?? this.params.inactivity;
    this.inactivityTimer = setTimeout(() => this.expire(), seconds * 1000);
    this.inactivityTimer.unref();
  }

  private clearInactivity(): void {
    if (this.inactivityTimer) clearTimeout(this.inactivityTimer);
    this.inactivityTimer = undefined;
  }

  /** §7.2 inactivity: nobody is there to answer; the stream ends as a lost connection. */
  private expire(): void {
    this.inactivityTimer = undefined;
    this.finish(terminateBody(undefined), false);
  }

  /** Ends the session on a binding error, answering this request and every open one. */
  terminate(condition: BoshCondition, reply?: BoshReply): void {
    if (this.final !== undefined) {
      reply?.send(this.final);
      return;
    }
    const body = terminateBody(condition);
    reply?.send(body);
    for (const h of [...this.held]) this.respond(h, body);
    this.finish(body, reply === undefined);
  }

  // ---- downstream: what the c2s stream writes ----

  streamOpened(authid: string, from: string): void {
    this.stream = { authid, from };
  }

  send(xml: string, isFeatures: boolean): void {
    if (this.final !== undefined) return;
    this.pending.push(xml);
    this.pendingBytes += Buffer.byteLength(xml);
    if (isFeatures) this.holdOutput = false;
    this.scheduleFlush();
  }

  /** The outbound queue as the c2s session sees it; too many stanzas count as overflow. */
  bufferedBytes(): number {
    if (this.pending.length > this.o.limits.maxPendingStanzas) return Number.MAX_SAFE_INTEGER;
    return this.pendingBytes;
  }

  /**
   * The stream closed (XEP-0206 §7): pending stanzas and the stream error, if any, go out in
   * a terminate body (condition remote-stream-error, or a binding condition of the same name).
   */
  close(errorXml?: string, condition?: BoshCondition): void {
    if (this.final !== undefined) return;
    const cond = condition ?? (errorXml !== undefined ? 'remote-stream-error' : undefined);
    const body = terminateBody(cond, this.takePending() + (errorXml ?? ''));
    const first = this.held[0];
    if (first) this.respond(first, body);
    for (const h of [...this.held]) this.respond(h, terminateBody(cond));
    this.finish(body, first === undefined);
  }

  pauseInput(): void {
    this.inputPaused = true;
  }

  resumeInput(): void {
    this.inputPaused = false;
    this.drainWaiting();
  }

  /**
   * Marks the session over. When nobody received the final body yet, the session lingers for
   * one inactivity period so that the client's next request learns why.
   */
  private finish(body: string, linger: boolean): void {
    this.final = body;
    this.clearInactivity();
    for (const h of this.held) clearTimeout(h.timer);
    this.held.length = 0;
    for (const w of this.waiting.values()) w.reply.send(body);
    this.waiting.clear();
    this.pending = [];
    this.pendingBytes = 0;
    this.upstream?.ended();
    this.upstream = undefined;
    if (!linger) {
      this.o.onRemove(this.sid);
      return;
    }
    const t = setTimeout(() => this.o.onRemove(this.sid), this.params.inactivity * 1000);
    t.unref();
  }
}

/** The stream header a body stands for (XEP-0206 §4/§5). */
function streamAttrs(req: BoshRequest): Attrs {
  const attrs: Attrs = Object.create(null) as Attrs;
  const a = req.attrs;
  if (a.to !== undefined) attrs.to = a.to;
  if (a.from !== undefined) attrs.from = a.from;
  attrs['xml:lang'] = a['xml:lang'] ?? 'en';
  // XEP-0206 §4: xmpp:version plays the stream header's version; a restart keeps 1.0.
  const version = req.restart ? '1.0' : req.xmppVersion;
  if (version !== undefined) attrs.version = version;
  return attrs;
}

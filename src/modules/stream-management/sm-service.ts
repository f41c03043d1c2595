import { randomBytes } from 'node:crypto';
import type { StreamControl } from '../../c2s/stream-control.ts';
import type { Logger } from '../../observability/logger.ts';
import type { Router } from '../../router/index.ts';
import { type Element, NS_SM, x } from '../../xml/index.ts';
import { rerouteUnacked } from './reroute.ts';
import { failed, HandledCountTooHigh, parseH } from './sm-elements.ts';
import { type SmOptions, SmStream, type SmStreamOwner } from './sm-stream.ts';

/** Detached sessions one user may leave waiting; beyond that the oldest ends (bounds memory). */
const MAX_DETACHED_PER_USER = 10;

export interface SmServiceOptions extends SmOptions {
  /** Seconds a detached session waits when the client states no preference; 0: no resumption. */
  resumeTimeout: number;
  /** Upper bound on the client's requested 'max' (XEP-0198 §3). */
  maxResumeTimeout: number;
}

/** Enable, resume, detached sessions and their expiry (XEP-0198 §3, §5). */
export class SmService implements SmStreamOwner {
  /** Resumable streams by SM-ID: one entry per live or detached session, removed when it ends. */
  private readonly byId = new Map<string, SmStream>();
  private readonly detached = new Map<SmStream, NodeJS.Timeout>();
  private readonly detachedByUser = new Map<string, SmStream[]>();
  private stopping = false;

  constructor(
    private readonly opts: SmServiceOptions,
    private readonly router: Router,
    private readonly log: Logger,
  ) {}

  /** XEP-0198 §3: `<enable/>` after resource binding (the stream's observer answers a repeat). */
  enable(stream: StreamControl, el: Element): void {
    if (!stream.isBound) {
      stream.sendNonza(failed('unexpected-request'));
      return;
    }
    const wantsResume = el.attrs.resume === 'true' || el.attrs.resume === '1';
    const resumable = wantsResume && this.opts.resumeTimeout > 0;
    const clientMax = parseH(el.attrs.max);
    const timeout = !resumable
      ? 0
      : clientMax !== undefined && clientMax > 0
        ? Math.min(clientMax, this.opts.maxResumeTimeout)
        : this.opts.resumeTimeout;
    const id = resumable ? randomBytes(18).toString('base64url') : undefined;
    const sm = new SmStream(stream, id, timeout, this.opts, this);
    stream.setObserver(sm);
    if (id !== undefined) this.byId.set(id, sm);
    stream.sendNonza(
      x('enabled', NS_SM, id === undefined ? {} : { id, resume: 'true', max: String(timeout) }),
    );
  }

  /**
   * XEP-0198 §5: `<resume/>` on a new authenticated stream, before binding. The bound session
   * continues on the new connection: same full JID, presence untouched, unacked stanzas resent.
   */
  resume(stream: StreamControl, el: Element): void {
    if (stream.isBound) {
      stream.sendNonza(failed('unexpected-request'));
      return;
    }
    const h = parseH(el.attrs.h);
    const previd = el.attrs.previd;
    if (h === undefined || previd === undefined) {
      stream.sendNonza(failed('bad-request'));
      return;
    }
    const sm = this.byId.get(previd);
    // §5: only the entity that established the session may resume it.
    if (!sm || sm.control.closed || sm.control.authJid !== stream.authJid) {
      stream.sendNonza(failed('item-not-found'));
      return;
    }
    if (!sm.out.ack(h)) throw new HandledCountTooHigh(h, sm.out.sent);
    this.attached(sm);
    sm.control.takeOver(stream, () => {
      sm.control.sendNonza(x('resumed', NS_SM, { previd, h: String(sm.inbound) }));
      sm.retransmit();
    });
    this.log.debug({ what: 'sm_resumed', jid: sm.control.session.jid.toString() });
  }

  lost(sm: SmStream): boolean {
    if (sm.id === undefined || this.stopping) return false;
    const timer = setTimeout(() => void sm.control.close(), sm.timeoutSec * 1000);
    timer.unref();
    this.detached.set(sm, timer);
    const user = sm.control.session.jid.bareString();
    const list = this.detachedByUser.get(user) ?? [];
    list.push(sm);
    this.detachedByUser.set(user, list);
    if (list.length > MAX_DETACHED_PER_USER) void list[0]!.control.close();
    return true;
  }

  async ended(sm: SmStream, unacked: Element[]): Promise<void> {
    if (sm.id !== undefined) this.byId.delete(sm.id);
    this.attached(sm);
    if (unacked.length === 0) return;
    const jid = sm.control.session.jid;
    const n = await rerouteUnacked(this.router, jid, unacked, this.log);
    this.log.debug({ what: 'sm_unacked_rerouted', jid: jid.toString(), count: n });
  }

  /** Module stop: no more detaching, and detached sessions end now (their stanzas rerouted). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.detached.keys()].map((sm) => sm.control.close()));
  }

  private attached(sm: SmStream): void {
    const timer = this.detached.get(sm);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.detached.delete(sm);
    const user = sm.control.session.jid.bareString();
    const list = this.detachedByUser.get(user)?.filter((s) => s !== sm) ?? [];
    if (list.length > 0) this.detachedByUser.set(user, list);
    else this.detachedByUser.delete(user);
  }
}

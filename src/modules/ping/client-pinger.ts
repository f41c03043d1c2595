import { StreamError } from '../../errors/index.ts';
import type { SessionRef } from '../../hooks/index.ts';
import type { IqTracker } from '../../iq/index.ts';
import type { Logger } from '../../observability/logger.ts';
import type { SessionManager } from '../../sm/index.ts';
import { type Element, NS_CLIENT, NS_PING, x } from '../../xml/index.ts';

export interface PingerOptions {
  sm: SessionManager;
  tracker: IqTracker;
  log: Logger;
  /** A session silent this long gets a ping. */
  intervalMs: number;
  /** How long the client has to answer. */
  timeoutMs: number;
  /** Close sessions that do not answer (connection-timeout), or only log. */
  kill: boolean;
}

interface PingState {
  last: number;
  timer: NodeJS.Timeout | undefined;
  pendingId: string | undefined;
  stopped: boolean;
}

/**
 * XEP-0199 §4.1 server-to-client pings: a session idle for the interval is pinged; one that
 * does not answer within the timeout is closed with <connection-timeout/> (RFC 6120 §4.9.3.4).
 * One timer per bound session; state lives only while the session does.
 */
export class ClientPinger {
  private readonly states = new Map<string, PingState>();

  constructor(private readonly o: PingerOptions) {}

  opened(session: SessionRef): void {
    if (this.states.has(session.id)) return;
    const st: PingState = {
      last: Date.now(),
      timer: undefined,
      pendingId: undefined,
      stopped: false,
    };
    this.states.set(session.id, st);
    this.schedule(session, st, this.o.intervalMs);
  }

  /** Anything the client sends proves the stream alive. */
  activity(session: SessionRef): void {
    const st = this.states.get(session.id);
    if (st) st.last = Date.now();
  }

  /**
   * A reply to our pending ping, whatever its `to` (some clients omit it): settles the request.
   * Returns true when the stanza was that reply.
   */
  reply(session: SessionRef, stanza: Element): boolean {
    const st = this.states.get(session.id);
    if (!st || st.pendingId === undefined || stanza.name !== 'iq') return false;
    const type = stanza.attrs.type;
    if ((type !== 'result' && type !== 'error') || stanza.attrs.id !== st.pendingId) return false;
    const to = stanza.attrs.to;
    if (to !== undefined && to !== session.jid?.domain) return false;
    return this.o.tracker.settle(stanza);
  }

  closed(session: SessionRef): void {
    const st = this.states.get(session.id);
    if (!st) return;
    st.stopped = true;
    clearTimeout(st.timer);
    this.states.delete(session.id);
  }

  stop(): void {
    for (const st of this.states.values()) {
      st.stopped = true;
      clearTimeout(st.timer);
    }
    this.states.clear();
  }

  private schedule(session: SessionRef, st: PingState, delayMs: number): void {
    if (st.stopped) return;
    st.timer = setTimeout(() => void this.check(session, st), delayMs);
    st.timer.unref();
  }

  private async check(session: SessionRef, st: PingState): Promise<void> {
    if (st.stopped) return;
    const idle = Date.now() - st.last;
    if (idle < this.o.intervalMs) return this.schedule(session, st, this.o.intervalMs - idle);
    const jid = session.jid;
    const local = jid ? this.o.sm.get(jid) : undefined;
    if (!jid || local !== session) return this.closed(session);
    let request: ReturnType<IqTracker['expect']>;
    try {
      request = this.o.tracker.expect(this.o.timeoutMs, jid.toString());
    } catch (err) {
      this.o.log.warn({ what: 'ping_not_sent', jid: jid.toString(), err });
      return this.schedule(session, st, this.o.intervalMs);
    }
    st.pendingId = request.id;
    local.send(
      x(
        'iq',
        NS_CLIENT,
        { type: 'get', id: request.id, from: jid.domain, to: jid.toString() },
        x('ping', NS_PING),
      ),
    );
    try {
      // An error reply (e.g. service-unavailable: no ping support) still proves the stream alive.
      await request.reply;
      st.last = Date.now();
    } catch {
      if (st.stopped) return;
      this.o.log.info({ what: 'ping_timeout', jid: jid.toString(), kill: this.o.kill });
      if (this.o.kill) {
        this.closed(session);
        await local.close(new StreamError('connection-timeout', 'no answer to ping'));
        return;
      }
    } finally {
      st.pendingId = undefined;
    }
    this.schedule(session, st, this.o.intervalMs);
  }
}

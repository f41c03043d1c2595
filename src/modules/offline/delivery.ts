import { StanzaError } from '../../errors/index.ts';
import { Stop } from '../../hooks/index.ts';
import { type Jid, tryParseJid } from '../../jid/index.ts';
import type { Logger } from '../../observability/logger.ts';
import type { Router } from '../../router/index.ts';
import type { LocalSession, SessionManager } from '../../sm/index.ts';
import { type Element, NS_DELAY, x } from '../../xml/index.ts';
import { KeyedQueue } from './keyed-queue.ts';
import type { OfflineStore } from './offline-store.ts';
import { decodeStanza, encodeStanza } from './stanza-codec.ts';
import { offlineDecision } from './storage-policy.ts';

/** Messages read per store round trip while flushing. */
const PAGE = 100;

export interface OfflineDeps {
  store: OfflineStore;
  sm: SessionManager;
  router: Router;
  log: Logger;
  maxMessages: number;
}

/** Storage at 'offline-message' and delivery at the next available presence (XEP-0160 §3). */
export class OfflineService {
  /** Storing and flushing one user's queue never interleave on this node. */
  private readonly queue = new KeyedQueue();

  constructor(private readonly d: OfflineDeps) {}

  /** Handler of 'offline-message': Stop once the message is committed (or meant to be dropped). */
  async onOfflineMessage(msg: Element, to: Jid, from: Jid): Promise<Element | Stop<Element>> {
    const decision = offlineDecision(msg);
    if (decision === 'drop') return new Stop();
    if (decision === 'refuse') return msg;
    const bare = to.bare();
    let outcome: 'stored' | 'full';
    try {
      outcome = await this.queue.run(bare.bareString(), () =>
        this.d.store.push(
          bare.local,
          bare.domain,
          { from: from.toString(), createdAt: Date.now(), stanza: encodeStanza(msg) },
          this.d.maxMessages,
        ),
      );
    } catch (err) {
      // Not stored: the router answers service-unavailable, never a silent loss.
      this.d.log.warn({ what: 'offline_write_failed', user: bare.bareString(), err });
      return msg;
    }
    if (outcome === 'full') {
      // XEP-0160 §3 step 3: the queue is full, the sender learns it.
      const addressed = tryParseJid(msg.attrs.to ?? '') ?? bare;
      const error = new StanzaError('service-unavailable', {
        text: 'the recipient’s offline message storage is full',
      });
      await this.d.router.bounce(msg, from, addressed, error);
      return new Stop();
    }
    // The recipient may have come online while the write was in flight.
    const ready = this.eligible(bare);
    if (ready) await this.flush(ready);
    return new Stop();
  }

  /** Delivers the user's stored messages to `session` in order, deleting only written ones. */
  async flush(session: LocalSession): Promise<void> {
    const jid = session.jid;
    try {
      await this.queue.run(jid.bareString(), () => this.flushLocked(session));
    } catch (err) {
      this.d.log.warn({ what: 'offline_flush_failed', user: jid.bareString(), err });
    }
  }

  private async flushLocked(session: LocalSession): Promise<void> {
    const { local, domain } = session.jid;
    let afterId = 0;
    for (;;) {
      const page = await this.d.store.list(local, domain, { limit: PAGE, afterId });
      if (page.length === 0) return;
      const written: number[] = [];
      try {
        for (const m of page) {
          if (!this.isLive(session)) break;
          let el: Element;
          try {
            el = decodeStanza(m.stanza);
          } catch (err) {
            this.d.log.error({ what: 'offline_stanza_corrupt', user: `${local}@${domain}`, err });
            written.push(m.id);
            continue;
          }
          // XEP-0203: when and where the message waited (XEP-0160 §3 recommends it).
          el.append(
            x(
              'delay',
              NS_DELAY,
              { from: domain, stamp: new Date(m.createdAt).toISOString() },
              'Offline Storage',
            ),
          );
          await session.deliver(el);
          // Closed while writing: keep it (delivered again later rather than lost).
          if (!this.isLive(session)) break;
          written.push(m.id);
        }
      } finally {
        if (written.length > 0) await this.d.store.remove(local, domain, written);
      }
      if (written.length < page.length) return;
      afterId = page[page.length - 1]!.id;
    }
  }

  /** A resource that gets bare-JID messages now (RFC 6121 §8.5.2.1.1: non-negative priority). */
  eligible(bare: Jid): LocalSession | undefined {
    let best: LocalSession | undefined;
    for (const s of this.d.sm.resources(bare)) {
      if (!s.available || (s.priority ?? 0) < 0) continue;
      if (!best || (s.priority ?? 0) > (best.priority ?? 0)) best = s;
    }
    return best;
  }

  private isLive(session: LocalSession): boolean {
    return (
      this.d.sm.get(session.jid) === session && session.available && (session.priority ?? 0) >= 0
    );
  }
}

import { randomBytes } from 'node:crypto';
import type { Element } from '../xml/index.ts';

/**
 * Server-initiated IQs awaiting their reply (e.g. XEP-0199 pings to clients).
 * Bounded: a node never waits on more than `max` requests at once.
 */
export class IqTracker {
  private readonly pending = new Map<
    string,
    { resolve: (el: Element) => void; timer: NodeJS.Timeout; from: string | undefined }
  >();

  constructor(private readonly max = 100_000) {}

  /**
   * Registers a request id; resolves with the reply or rejects on timeout. Ids are random and,
   * when `from` is given, only a reply from that JID settles the request: one client cannot
   * answer a request the server sent to another.
   */
  expect(timeoutMs: number, from?: string): { id: string; reply: Promise<Element> } {
    if (this.pending.size >= this.max) throw new Error('too many pending server IQs');
    const id = `srv-${randomBytes(9).toString('base64url')}`;
    const reply = new Promise<Element>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error('iq timeout'));
      }, timeoutMs);
      timer.unref();
      this.pending.set(id, { resolve, timer, from });
    });
    return { id, reply };
  }

  /** Feeds a result/error IQ addressed to the server; true if it answered a pending request. */
  settle(stanza: Element): boolean {
    const id = stanza.attrs.id;
    if (id === undefined) return false;
    const p = this.pending.get(id);
    if (!p || (p.from !== undefined && stanza.attrs.from !== p.from)) return false;
    this.pending.delete(id);
    clearTimeout(p.timer);
    p.resolve(stanza);
    return true;
  }

  cancelAll(): void {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
  }
}

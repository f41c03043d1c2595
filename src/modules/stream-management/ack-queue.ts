import type { Element } from '../../xml/index.ts';
import { H_MODULO } from './sm-elements.ts';

/**
 * Outbound side of XEP-0198 §4: how many stanzas were sent (mod 2^32) and the ones the client
 * has not yet acknowledged, oldest first.
 */
export class AckQueue {
  /** Stanzas sent since enable, mod 2^32. */
  sent = 0;
  /** Last `h` the client acknowledged. */
  acked = 0;
  private items: Element[] = [];

  push(stanza: Element): void {
    this.items.push(stanza);
    this.sent = (this.sent + 1) % H_MODULO;
  }

  get length(): number {
    return this.items.length;
  }

  /**
   * Applies the client's `h`: drops what it acknowledges. Returns false, changing nothing, when
   * `h` acknowledges more than was sent (or goes back before an earlier acknowledgement).
   */
  ack(h: number): boolean {
    const n = (h - this.acked + H_MODULO) % H_MODULO;
    if (n > this.items.length) return false;
    if (n > 0) this.items.splice(0, n);
    this.acked = h;
    return true;
  }

  /** The unacknowledged stanzas, oldest first. */
  unacked(): readonly Element[] {
    return this.items;
  }

  /** Empties the queue, returning what was in it. */
  drain(): Element[] {
    const out = this.items;
    this.items = [];
    return out;
  }
}

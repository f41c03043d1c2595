import type { Element } from '../../xml/index.ts';

interface Entry {
  key: string | undefined;
  el: Element;
}

/**
 * The stanzas held for one inactive session, in arrival order. A keyed stanza replaces the one
 * queued under the same key (the latest presence of a full JID supersedes the previous one), and
 * takes its place at the end, so the client sees the same order it would have when active.
 */
export class CsiQueue {
  private entries: Entry[] = [];

  constructor(private readonly max: number) {}

  get size(): number {
    return this.entries.length;
  }

  /** Queues `el`; returns 'superseded' when it replaced an older one, 'full' when a flush is due. */
  add(el: Element, key?: string): 'queued' | 'superseded' | 'full' {
    let out: 'queued' | 'superseded' = 'queued';
    if (key !== undefined) {
      const i = this.entries.findIndex((e) => e.key === key);
      if (i >= 0) {
        this.entries.splice(i, 1);
        out = 'superseded';
      }
    }
    this.entries.push({ key, el });
    return this.entries.length >= this.max ? 'full' : out;
  }

  /** Everything queued, oldest first; the queue is empty afterwards. */
  take(): Element[] {
    const out = this.entries.map((e) => e.el);
    this.entries = [];
    return out;
  }
}

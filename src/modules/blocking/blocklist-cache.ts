import type { BlockingStore } from './blocking-store.ts';
import { Blocklist } from './blocklist.ts';

/**
 * Blocklists of recently seen users, least recently used forgotten past `capacity`: every
 * stanza between two users is checked against both lists, so they must not cost a query each.
 * A change on this node invalidates the entry after it is committed. Another node's change is
 * seen only once the entry ages out (single-node assumption until the cluster backbone exists).
 */
export class BlocklistCache {
  private readonly map = new Map<string, Promise<Blocklist>>();

  constructor(
    private readonly store: BlockingStore,
    private readonly capacity: number,
  ) {}

  get(user: string, domain: string): Promise<Blocklist> {
    const key = `${user}@${domain}`;
    const hit = this.map.get(key);
    if (hit) {
      this.map.delete(key);
      this.map.set(key, hit);
      return hit;
    }
    const loading = this.store.list(user, domain).then((items) => new Blocklist(items));
    // A failed load must not stick: the next stanza tries again.
    loading.catch(() => {
      if (this.map.get(key) === loading) this.map.delete(key);
    });
    if (this.map.size >= this.capacity) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
    this.map.set(key, loading);
    return loading;
  }

  invalidate(user: string, domain: string): void {
    this.map.delete(`${user}@${domain}`);
  }
}

import type { Jid } from '../../jid/index.ts';

/**
 * One user's blocked JIDs with the matching rules of XEP-0191 §6 (those of XEP-0016 §2.1):
 * user@domain/resource matches only itself; user@domain any of its resources; domain/resource
 * only itself; domain the domain, everything at it, and its subdomains.
 */
export class Blocklist {
  private readonly items: ReadonlySet<string>;
  private readonly domains: ReadonlySet<string>;

  constructor(items: Iterable<string>) {
    this.items = new Set(items);
    const domains = new Set<string>();
    for (const item of this.items)
      if (!item.includes('@') && !item.includes('/')) domains.add(item);
    this.domains = domains;
  }

  get size(): number {
    return this.items.size;
  }

  list(): string[] {
    return [...this.items];
  }

  matches(jid: Jid): boolean {
    if (this.items.size === 0) return false;
    const items = this.items;
    if (items.has(jid.toString())) return true;
    if (jid.local !== '' && items.has(jid.bareString())) return true;
    if (jid.local === '' && jid.resource !== '' && items.has(`${jid.domain}/${jid.resource}`)) {
      return true;
    }
    if (this.domains.size === 0) return false;
    // The domain itself or any parent domain (a block of example.com covers muc.example.com).
    let d = jid.domain;
    for (;;) {
      if (this.domains.has(d)) return true;
      const dot = d.indexOf('.');
      if (dot < 0) return false;
      d = d.slice(dot + 1);
    }
  }
}

export const EMPTY_BLOCKLIST = new Blocklist([]);

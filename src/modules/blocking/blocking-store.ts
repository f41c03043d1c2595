/**
 * Blocklists (XEP-0191): per account, a set of normalized JIDs (full, bare, domain/resource or
 * domain). Callers pass the normalized localpart and domain of the owner.
 */
export interface BlockingStore {
  /** The user's blocked JIDs in code point order. */
  list(user: string, domain: string): Promise<string[]>;
  /** Adds JIDs; returns those that were not blocked before, in the given order. */
  add(user: string, domain: string, jids: readonly string[]): Promise<string[]>;
  /** Removes JIDs; returns those that were blocked, in the given order. */
  remove(user: string, domain: string, jids: readonly string[]): Promise<string[]>;
  /** Empties the blocklist; returns what it held, in code point order. */
  clear(user: string, domain: string): Promise<string[]>;
}

import type { AccountSecrets } from './scram-credentials.ts';

/**
 * Registered accounts and their SCRAM secrets (the password itself is never stored,
 * ARCHITECTURE.md §8). Usernames and domains are stored exactly as given: callers pass the
 * normalized localpart and domain (RFC 7622 §3.3) so that one account has one spelling.
 */
export interface AccountStore {
  /** Creates the account unless it exists; an existing account is left untouched. */
  create(user: string, domain: string, secrets: AccountSecrets): Promise<'created' | 'exists'>;
  getSecrets(user: string, domain: string): Promise<AccountSecrets | null>;
  /** Replaces the secrets (password change); false if there is no such account. */
  setSecrets(user: string, domain: string, secrets: AccountSecrets): Promise<boolean>;
  /** Deletes the account; false if there was none. */
  remove(user: string, domain: string): Promise<boolean>;
  exists(user: string, domain: string): Promise<boolean>;
  /**
   * Usernames of `domain` in code point order, at most `limit` (default and maximum
   * ACCOUNT_LIST_MAX_LIMIT) of them, starting after `after` (exclusive): pass the last name of a
   * page to get the next one.
   */
  list(domain: string, opts?: { limit?: number; after?: string }): Promise<string[]>;
  count(domain: string): Promise<number>;
}

/** Largest page `AccountStore.list` returns, so a big domain can't be loaded in one go. */
export const ACCOUNT_LIST_MAX_LIMIT = 1000;

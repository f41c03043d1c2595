/**
 * XEP-0357 registrations: which app server node to notify for which client of an account.
 * Callers pass the normalized localpart and domain. One row per (account, app server JID, node).
 */
export interface PushRegistration {
  /** JID of the app server (XEP-0357 §5 'jid'). */
  jid: string;
  node: string;
  /** The resource of the client that enabled it: pushes go when that client is away. */
  resource: string;
  /** publish-options fields (XEP-0357 §5: e.g. a secret), sent with each publish. */
  options: readonly { name: string; values: readonly string[] }[];
}

export interface PushStore {
  /** Adds or replaces the registration for (jid, node); false when `max` other ones exist. */
  enable(user: string, domain: string, reg: PushRegistration, max: number): Promise<boolean>;
  /** Removes the registrations of `jid` (only `node` when given); returns how many went. */
  disable(user: string, domain: string, jid: string, node?: string): Promise<number>;
  /** The account's registrations, by app server JID then node. */
  list(user: string, domain: string): Promise<PushRegistration[]>;
  removeAll(user: string, domain: string): Promise<number>;
}

/** RFC 6121 §2.1.2.5: the state of the presence subscription of a roster item. */
export type Subscription = 'none' | 'to' | 'from' | 'both';

export const SUBSCRIPTIONS: readonly Subscription[] = ['none', 'to', 'from', 'both'];

/** One contact of a user's roster (RFC 6121 §2.1.2). */
export interface RosterItem {
  /** The contact's JID, as a canonical string (normally a bare JID). */
  readonly jid: string;
  readonly name: string | undefined;
  readonly groups: readonly string[];
  readonly subscription: Subscription;
  /** RFC 6121 §2.1.2.2: the user asked to subscribe and waits (ask='subscribe', "Pending Out"). */
  readonly askOut: boolean;
}

/** A subscription request received while waiting for the user's answer ("Pending In"). */
export interface PendingSubscription {
  readonly contact: string;
  /** The request as received (serialized stanza), redelivered at each login (RFC 6121 §3.1.3). */
  readonly stanza: string;
  readonly receivedAt: number;
}

/** What an update wants: the new item, 'remove', or undefined for "leave it as it is". */
export type ItemUpdate = (current: RosterItem | undefined) => RosterItem | 'remove' | undefined;

export interface UpdateOutcome {
  readonly before: RosterItem | undefined;
  /** The item after the update (undefined when removed or absent). */
  readonly after: RosterItem | undefined;
  readonly changed: boolean;
  /** The roster version after the update (XEP-0237); unchanged when nothing changed. */
  readonly version: number;
}

/** Adding one more item would exceed the configured roster size. */
export class RosterFullError extends Error {
  constructor(readonly max: number) {
    super(`roster size limit of ${max} items reached`);
    this.name = 'RosterFullError';
  }
}

/**
 * Rosters and pending subscription requests of the accounts (ARCHITECTURE.md §5). Every change
 * of a user's items increments that user's roster version (XEP-0237), starting from 0.
 */
export interface RosterStore {
  getRoster(user: string, domain: string): Promise<{ version: number; items: RosterItem[] }>;
  getVersion(user: string, domain: string): Promise<number>;
  getItem(user: string, domain: string, contact: string): Promise<RosterItem | undefined>;
  /**
   * Reads and rewrites one item atomically (updates of one user are serialized); an insert
   * throws RosterFullError when the roster already holds `maxItems` items.
   */
  updateItem(
    user: string,
    domain: string,
    contact: string,
    update: ItemUpdate,
    opts: { maxItems: number },
  ): Promise<UpdateOutcome>;
  /**
   * Records (or replaces) a pending inbound request; false when the user already has `max`
   * other pending requests (the request is then not stored).
   */
  addPendingIn(
    user: string,
    domain: string,
    contact: string,
    stanza: string,
    opts: { max: number },
  ): Promise<boolean>;
  removePendingIn(user: string, domain: string, contact: string): Promise<boolean>;
  hasPendingIn(user: string, domain: string, contact: string): Promise<boolean>;
  /** Oldest first. */
  listPendingIn(user: string, domain: string): Promise<PendingSubscription[]>;
  /** Deletes the user's roster, version and pending requests. */
  removeUser(user: string, domain: string): Promise<void>;
}

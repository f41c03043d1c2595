import type { Jid } from '../../jid/index.ts';
import type { Element } from '../../xml/index.ts';
import type { RosterItem, Subscription, UpdateOutcome } from './roster-store.ts';

export type { RosterItem, Subscription, UpdateOutcome } from './roster-store.ts';
export { RosterFullError } from './roster-store.ts';

/** The subscription part of an item that presence handling changes (RFC 6121 §3). */
export interface SubscriptionFields {
  subscription: Subscription;
  askOut: boolean;
}

/** What mod_roster offers other modules (ctx.api<RosterApi>('mod_roster')). JIDs are bare. */
export interface RosterApi {
  getItem(user: Jid, contact: Jid): Promise<RosterItem | undefined>;
  getItems(user: Jid): Promise<RosterItem[]>;
  /** Contacts allowed to see the user's presence (subscription from/both). */
  getSubscribers(user: Jid): Promise<string[]>;
  /** Contacts whose presence the user receives (subscription to/both). */
  getSubscriptions(user: Jid): Promise<string[]>;
  /**
   * Rewrites an item's subscription fields atomically and pushes the item to the user's
   * interested resources when it changed. `next` returns undefined for "no change". Creating
   * an item may throw RosterFullError. An absent item that would be none/no-ask stays absent.
   */
  setSubscription(
    user: Jid,
    contact: Jid,
    next: (current: SubscriptionFields) => SubscriptionFields | undefined,
  ): Promise<UpdateOutcome>;
  /** Stores a subscription request until answered; false when the user has too many pending. */
  addPendingIn(user: Jid, contact: Jid, request: Element, max: number): Promise<boolean>;
  removePendingIn(user: Jid, contact: Jid): Promise<boolean>;
  hasPendingIn(user: Jid, contact: Jid): Promise<boolean>;
  /** Stored requests, oldest first, as stanzas. */
  listPendingIn(user: Jid): Promise<{ contact: string; request: Element }[]>;
}

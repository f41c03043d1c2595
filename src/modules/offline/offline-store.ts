/** A message kept for a user who had no available resource (XEP-0160). */
export interface StoredOfflineMessage {
  /** Increases with insertion order for one user: delivery order. */
  id: number;
  /** Sender's JID as stamped by the server. */
  from: string;
  /** When the server accepted the message (ms since the epoch): the <delay/> stamp. */
  createdAt: number;
  /** The stanza as serialized XML in the jabber:client namespace. */
  stanza: string;
}

export interface NewOfflineMessage {
  from: string;
  createdAt: number;
  stanza: string;
}

/** Most rows one list() call returns. */
export const OFFLINE_LIST_MAX_LIMIT = 1000;

/**
 * Durable offline message queue per user. Every write is committed before the promise resolves:
 * the router treats a resolved push() as "accepted" (ARCHITECTURE.md §5).
 */
export interface OfflineStore {
  /** Appends unless the user already holds `max` messages ('full': nothing is written). */
  push(
    user: string,
    domain: string,
    msg: NewOfflineMessage,
    max: number,
  ): Promise<'stored' | 'full'>;
  /** Oldest first; `afterId` pages on from a previous page's last id. */
  list(
    user: string,
    domain: string,
    opts: { limit: number; afterId?: number },
  ): Promise<StoredOfflineMessage[]>;
  /** Deletes the given messages of this user; returns how many existed. */
  remove(user: string, domain: string, ids: readonly number[]): Promise<number>;
  count(user: string, domain: string): Promise<number>;
  /** Deletes every message of the user (remove-user, delete_offline); returns how many. */
  removeAll(user: string, domain: string): Promise<number>;
}

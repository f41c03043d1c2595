import type { NodeConfig } from './node-config.ts';

/** A node of one account's PEP service (XEP-0163): its name and configuration. */
export interface StoredNode {
  node: string;
  config: NodeConfig;
}

/** One published item: its id, the serialized payload, who published it and when (ms). */
export interface StoredItem {
  id: string;
  payload: string;
  publisher: string;
  publishedAt: number;
}

/** What a publish replaced or pushed out (oldest items beyond the node's max_items). */
export interface PublishOutcome {
  /** Items deleted to keep the node within its limit, oldest first. */
  removed: string[];
}

/**
 * Storage of PEP nodes and items per account (XEP-0163 over XEP-0060), and of verified entity
 * capabilities (XEP-0115 §5: a verified ver string names one feature set forever, so the table is
 * a cluster-wide cache that never needs invalidation). Callers pass normalized localpart/domain.
 */
export interface PepStore {
  getNode(user: string, domain: string, node: string): Promise<StoredNode | undefined>;
  /** Every node of the account, in code point order. */
  listNodes(user: string, domain: string): Promise<StoredNode[]>;
  /**
   * Creates a node unless it exists; `maxNodes` caps the nodes of one account ('limit' then).
   */
  createNode(
    user: string,
    domain: string,
    node: string,
    config: NodeConfig,
    maxNodes: number,
  ): Promise<'created' | 'exists' | 'limit'>;
  /** Replaces a node's configuration; false when the node does not exist. */
  setConfig(user: string, domain: string, node: string, config: NodeConfig): Promise<boolean>;
  /** Deletes a node and its items; false when it did not exist. */
  deleteNode(user: string, domain: string, node: string): Promise<boolean>;
  /**
   * Stores an item (replacing one with the same id, which becomes the newest) and deletes the
   * oldest items beyond `keep`, in one transaction. The node must exist.
   */
  publish(
    user: string,
    domain: string,
    node: string,
    item: StoredItem,
    keep: number,
  ): Promise<PublishOutcome>;
  /**
   * Items of a node in publish order (oldest first): those with the given ids, or the `max`
   * most recent, or all.
   */
  getItems(
    user: string,
    domain: string,
    node: string,
    opts?: { ids?: readonly string[]; max?: number },
  ): Promise<StoredItem[]>;
  /** The newest item of each node of the account that has one. */
  lastItems(user: string, domain: string): Promise<{ node: string; item: StoredItem }[]>;
  /** Deletes one item; false when it was not there. */
  retract(user: string, domain: string, node: string, id: string): Promise<boolean>;
  /** Deletes every item of a node; returns how many went. */
  purge(user: string, domain: string, node: string): Promise<number>;
  /** Deletes the oldest items beyond `keep` (after max_items was lowered). */
  trim(user: string, domain: string, node: string, keep: number): Promise<number>;
  /** Deletes every node and item of the account; returns how many nodes went. */
  removeUser(user: string, domain: string): Promise<number>;
  /** Features of a verified caps ver string (XEP-0115), keyed `hash ver`. */
  getCaps(key: string): Promise<string[] | undefined>;
  putCaps(key: string, features: readonly string[]): Promise<void>;
}

/**
 * Private XML storage (XEP-0049): per account, one entry per namespace holding the serialized
 * elements of that namespace. Callers pass the normalized localpart and domain.
 */
export interface PrivateStore {
  /** The XML stored under `namespace`, or null. */
  get(user: string, domain: string, namespace: string): Promise<string | null>;
  /** Replaces the entries of the given namespaces, all or none (one transaction). */
  set(user: string, domain: string, entries: readonly PrivateEntry[]): Promise<void>;
  /** Namespaces the user has stored something under, in code point order. */
  namespaces(user: string, domain: string): Promise<string[]>;
  /** Deletes everything the user stored; returns how many namespaces went. */
  removeAll(user: string, domain: string): Promise<number>;
}

export interface PrivateEntry {
  namespace: string;
  xml: string;
}

/**
 * Users' vCards (XEP-0054), one per account, kept as serialized XML (`<vCard xmlns='vcard-temp'>`).
 * Callers pass the normalized localpart and domain (RFC 7622 §3.3).
 */
export interface VcardStore {
  /** The stored vCard XML, or null when the user has none. */
  get(user: string, domain: string): Promise<string | null>;
  /** Replaces the user's vCard. */
  set(user: string, domain: string, xml: string): Promise<void>;
  /** Deletes the user's vCard; false if there was none. */
  remove(user: string, domain: string): Promise<boolean>;
}

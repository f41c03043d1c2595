/** One message in a user's archive (XEP-0313 §5.1.1 user archives). */
export interface ArchivedMessage {
  /** The archive UID: the XEP-0359 stanza-id and the RSM id of the message. */
  id: string;
  /** Bare JID of the other party (the user's own for messages to themselves). */
  with: string;
  direction: 'in' | 'out';
  /** When the server archived it (ms since the epoch): the <delay/> stamp of results. */
  createdAt: number;
  /** The message as serialized XML in the jabber:client namespace. */
  stanza: string;
}

export interface NewArchivedMessage {
  id: string;
  /** Bare JID of the other party. */
  with: string;
  /** Resource of the other party's JID ('' when it had none). */
  withResource: string;
  direction: 'in' | 'out';
  createdAt: number;
  stanza: string;
}

/** XEP-0313 §4.1 filters; all optional. */
export interface MamFilter {
  /** Bare JID, or full JID when `withResource` is set (§4.1.1). */
  with?: string;
  withResource?: string;
  /** Inclusive bounds, ms since the epoch (§4.1.2). */
  start?: number;
  end?: number;
}

/**
 * XEP-0059 paging: `after` pages forward from an id, `before` backward from an id, and
 * `before: ''` asks for the last page (§2.5). Without either, the first page.
 */
export interface MamPageRequest {
  max: number;
  after?: string;
  before?: string;
}

export interface MamPage {
  /** Chronological order. */
  messages: ArchivedMessage[];
  /** Messages matching the filter, whatever the page (RSM <count/>). */
  count: number;
  /** Position of the first returned message among all matching ones (RSM <first index/>). */
  firstIndex: number | undefined;
  /** No more matching messages in the paging direction (XEP-0313 §4.3 'complete'). */
  complete: boolean;
}

export type MamDefault = 'always' | 'never' | 'roster';

/** XEP-0313 §7 archiving preferences; JIDs are bare. */
export interface MamPrefs {
  default: MamDefault;
  always: string[];
  never: string[];
}

/** Most ids one page may ask for: the module caps pages well below this. */
export const MAM_MAX_PAGE = 1000;

/**
 * A user message archive. Every write is committed before the promise resolves: the router
 * delivers a message only after its archive rows are written (ARCHITECTURE.md §5).
 */
export interface MamStore {
  append(user: string, domain: string, msg: NewArchivedMessage): Promise<void>;
  /** Undefined when `after`/`before` names an id that is not in the user's archive. */
  query(
    user: string,
    domain: string,
    filter: MamFilter,
    page: MamPageRequest,
  ): Promise<MamPage | undefined>;
  getPrefs(user: string, domain: string): Promise<MamPrefs | undefined>;
  setPrefs(user: string, domain: string, prefs: MamPrefs): Promise<void>;
  /** Deletes the user's messages and preferences (remove-user); returns messages deleted. */
  removeAll(user: string, domain: string): Promise<number>;
  /** Deletes up to `limit` messages archived before `cutoff` (retention); returns how many. */
  removeOlderThan(cutoff: number, limit: number): Promise<number>;
}

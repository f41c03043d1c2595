/** An affiliation kept with a persistent room (XEP-0045 §5.2); 'none' is never stored. */
export interface StoredAffiliation {
  /** Bare JID. */
  jid: string;
  affiliation: 'owner' | 'admin' | 'member' | 'outcast';
}

/** A persistent room (XEP-0045 §10.2 muc#roomconfig_persistentroom) as stored. */
export interface StoredRoom {
  /** The service domain (conference.example.org). */
  service: string;
  /** The room's localpart. */
  name: string;
  /** The room configuration, a JSON object (read back through normalizeConfig). */
  config: Record<string, unknown>;
  subject: string;
  /** Nickname of who set the subject ('' = the room). */
  subjectNick: string;
  affiliations: StoredAffiliation[];
}

/** Persistent rooms of the MUC services. Rooms are keyed by (service, name). */
export interface MucStore {
  /** Every room of `service`, in name order, at most `limit`. */
  listRooms(service: string, limit: number): Promise<StoredRoom[]>;
  getRoom(service: string, name: string): Promise<StoredRoom | null>;
  /** Creates or replaces the room with its affiliations, all or nothing. */
  saveRoom(room: StoredRoom): Promise<void>;
  /** Deletes the room and its affiliations; false when there was none. */
  deleteRoom(service: string, name: string): Promise<boolean>;
  /** Removes a bare JID's affiliations in every room (account removal); returns how many. */
  removeAffiliations(jid: string): Promise<number>;
}

import type { MamPageRequest } from '../mam/mam-store.ts';

/** One groupchat message in a room's archive (XEP-0313 §5.1.2 MUC archives). */
export interface RoomMessage {
  /** The archive UID: the room's XEP-0359 stanza-id and the RSM id of the message. */
  id: string;
  /** The sender's nickname when it was sent. */
  nick: string;
  /** The sender's real bare JID (shown only to those entitled, XEP-0045 §7.2.3/§7.2.4). */
  realJid: string;
  /** The sender's XEP-0421 occupant id. */
  occupantId: string;
  /** When the room archived it (ms since the epoch): the <delay/> stamp. */
  createdAt: number;
  /** The message as reflected (from room/nick, no 'to'), serialized in jabber:client. */
  stanza: string;
  /** A moderator retracted it (XEP-0425): `stanza` is the tombstone. */
  retracted: boolean;
}

export type NewRoomMessage = Omit<RoomMessage, 'retracted'>;

/** XEP-0313 §4.1 filters as they apply to a room; all optional, bounds inclusive. */
export interface RoomArchiveFilter {
  /** 'with' = room@service/nick (§5.1.2). */
  nick?: string;
  /** 'with' = a real bare JID, for those who may see real JIDs. */
  realJid?: string;
  start?: number;
  end?: number;
}

export interface RoomArchivePage {
  /** Chronological order. */
  messages: RoomMessage[];
  /** Messages matching the filter, whatever the page (RSM <count/>). */
  count: number;
  /** Position of the first returned message among all matching ones (RSM <first index/>). */
  firstIndex: number | undefined;
  /** No more matching messages in the paging direction (XEP-0313 §4.3 'complete'). */
  complete: boolean;
}

/**
 * The archives of MUC rooms, keyed by (service, room). Every write is committed before its
 * promise resolves: the room reflects a message only once it is archived.
 */
export interface MucArchiveStore {
  append(service: string, room: string, msg: NewRoomMessage): Promise<void>;
  /** Undefined when `after`/`before` names an id that is not in the room's archive. */
  query(
    service: string,
    room: string,
    filter: RoomArchiveFilter,
    page: MamPageRequest,
  ): Promise<RoomArchivePage | undefined>;
  get(service: string, room: string, id: string): Promise<RoomMessage | undefined>;
  /** Replaces a message by its tombstone (XEP-0425); false when there is no such message. */
  retract(service: string, room: string, id: string, tombstone: string): Promise<boolean>;
  /** Deletes a room's archive (the room was destroyed); returns messages deleted. */
  removeRoom(service: string, room: string): Promise<number>;
}

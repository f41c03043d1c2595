import { StanzaError } from '../../errors/index.ts';
import type { Jid } from '../../jid/index.ts';
import type { Logger } from '../../observability/logger.ts';
import { type Element, NS_MUC, NS_MUC_USER, x } from '../../xml/index.ts';
import { type PageLimits, parseMamQuery, queryForm } from '../mam/mam-query.ts';
import { finElement, resultMessage } from '../mam/mam-results.ts';
import type { ArchivedMessage } from '../mam/mam-store.ts';
import { decodeStanza } from '../mam/stored-stanza.ts';
import {
  type HistoryEntry,
  historyMessages,
  historyWindow,
  parseHistoryRequest,
} from './history.ts';
import type { MucArchiveStore, RoomArchiveFilter, RoomMessage } from './muc-archive-store.ts';
import { affRank, type Room } from './room.ts';

export interface RoomArchiveDeps {
  archive: MucArchiveStore;
  domain: string;
  log: Logger;
  /** MAM page sizes (XEP-0313 §4 with XEP-0059). */
  pages: PageLimits;
  /** Most messages replayed on join (option history_size). */
  historySize: number;
}

/** XEP-0045 §7.2.14: the history a join presence asks for, read from the room's archive. */
export async function readHistory(
  d: RoomArchiveDeps,
  room: Room,
  join: Element,
  now: number,
): Promise<Element[]> {
  const req = parseHistoryRequest(join.getChild('x', NS_MUC)?.getChild('history', NS_MUC));
  const window = historyWindow(req, now, d.historySize);
  if (!window) return [];
  const filter: RoomArchiveFilter = window.start === undefined ? {} : { start: window.start };
  const page = await d.archive.query(d.domain, room.name, filter, {
    max: window.max,
    before: '',
  });
  const entries: HistoryEntry[] = [];
  for (const m of page?.messages ?? []) {
    const stanza = decode(d, room, m);
    if (stanza) entries.push({ stanza, at: m.createdAt });
  }
  return historyMessages(entries, req, room.jid.bareString());
}

/**
 * XEP-0313 §5.1.2: who may read a room's archive: anyone the room would admit, so outcasts
 * never and members-only rooms only their members (XEP-0045 §7.2.6).
 */
function mayRead(room: Room, from: Jid): boolean {
  const aff = room.affiliationOf(from);
  if (aff === 'outcast') return false;
  return !room.config.membersOnly || affRank(aff) >= affRank('member');
}

/**
 * XEP-0045 §7.2.3/§7.2.4 applied to the archive: real JIDs go to everyone in non-anonymous
 * rooms, and in semi-anonymous ones to moderators and to admins and owners (who are
 * moderators whenever they are in the room).
 */
function seesRealJids(room: Room, from: Jid): boolean {
  if (room.config.whois === 'anyone') return true;
  if (room.occupantByReal(from)?.role === 'moderator') return true;
  return affRank(room.affiliationOf(from)) >= affRank('admin');
}

export interface RoomMamAnswer {
  /** The result messages, in the order they must reach the requester (§4.2). */
  results: Element[];
  /** The IQ result's payload: the form (§4.1.4) or <fin/> (§4.3). */
  payload: Element;
}

/** A urn:xmpp:mam:2 IQ to the room's bare JID. */
export async function roomMamIq(
  d: RoomArchiveDeps,
  room: Room,
  iq: Element,
  from: Jid,
): Promise<RoomMamAnswer> {
  const query = iq.elements()[0];
  if (query?.name !== 'query') throw new StanzaError('feature-not-implemented');
  if (!mayRead(room, from)) throw new StanzaError('forbidden');
  if (iq.attrs.type === 'get') return { results: [], payload: queryForm() };
  const q = parseMamQuery(query, d.pages);
  const jids = seesRealJids(room, from);
  const filter: RoomArchiveFilter = { start: q.filter.start, end: q.filter.end };
  const roomBare = room.jid.bareString();
  if (q.filter.with !== undefined && q.filter.with === roomBare) {
    // 'with' an occupant JID selects what that nickname said (§5.1.2).
    if (q.filter.withResource !== undefined) filter.nick = q.filter.withResource;
  } else if (q.filter.with !== undefined) {
    // 'with' a real JID would tell who is behind a nickname: only for those who may know.
    if (!jids) throw new StanzaError('forbidden', { text: 'real JIDs are hidden in this room' });
    filter.realJid = q.filter.with;
  }
  const page = await d.archive.query(d.domain, room.name, filter, q.page);
  // §4.3.2: an after/before UID that is not in the archive.
  if (!page) throw new StanzaError('item-not-found');
  const items = q.flip ? [...page.messages].reverse() : page.messages;
  const results: Element[] = [];
  for (const m of items) {
    const original = decode(d, room, m);
    if (!original) continue;
    if (jids && !m.retracted) {
      original.append(x('x', NS_MUC_USER, {}, x('item', NS_MUC_USER, { jid: m.realJid })));
    }
    results.push(resultMessage(asArchived(m), original, q.queryId, room.jid, from));
  }
  const fin = finElement({ ...page, messages: page.messages.map(asArchived) });
  return { results, payload: fin };
}

function decode(d: RoomArchiveDeps, room: Room, m: RoomMessage): Element | undefined {
  const el = decodeStanza(m.stanza);
  if (!el) d.log.warn({ what: 'muc_archived_stanza_invalid', room: room.name, id: m.id });
  return el;
}

/** The shape MAM's result builders read (id and time); a room message has no direction. */
function asArchived(m: RoomMessage): ArchivedMessage {
  return { id: m.id, with: m.nick, direction: 'in', createdAt: m.createdAt, stanza: m.stanza };
}

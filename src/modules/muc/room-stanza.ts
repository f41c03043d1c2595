import { StanzaError } from '../../errors/index.ts';
import type { Jid } from '../../jid/index.ts';
import {
  type Element,
  NS_CLIENT,
  NS_DISCO_INFO,
  NS_DISCO_ITEMS,
  NS_MUC_ADMIN,
  NS_MUC_OWNER,
  NS_MUC_USER,
  NS_PING,
  x,
} from '../../xml/index.ts';
import { roomInfo, roomItems } from './muc-disco.ts';
import type { Room } from './room.ts';
import { handleAdmin } from './room-admin.ts';
import { groupchat, inviteOrDecline, privateMessage } from './room-message.ts';
import { handleOwner } from './room-owner.ts';
import { changeNick, expel, joinRoom, leaveRoom, updatePresence } from './room-presence.ts';

export interface RoomStanzaContext {
  /** The room was created for this stanza (status 201). */
  created: boolean;
  /** Whether the user may be in one more room (option max_user_conferences). */
  mayJoinMore(real: Jid): boolean;
  maxUsersCap: number;
  maxAffiliations: number;
  /** The discussion history for a joining user, read from the archive (§7.2.14). */
  history: Element[];
}

export interface RoomOutcome {
  /** The payload of an IQ result ('' = empty result). */
  iqResult?: Element | '';
  destroyed?: boolean;
}

/** Dispatches one stanza addressed to `room` or one of its occupants (XEP-0045). */
export function handleRoomStanza(
  room: Room,
  stanza: Element,
  from: Jid,
  to: Jid,
  c: RoomStanzaContext,
): RoomOutcome {
  const occ = room.occupantByReal(from);
  const type = stanza.attrs.type;
  // §7.? / RFC 6120 §8.3: an error from an occupant's client means it is gone (status 333).
  if (type === 'error') {
    if (occ && stanza.name !== 'iq') expel(room, occ, { codes: ['333'] });
    return {};
  }
  if (stanza.name === 'presence') {
    if (to.resource === '') {
      if (type === undefined) throw new StanzaError('jid-malformed'); // §7.2.1: no nickname
      return {};
    }
    if (type === 'unavailable') {
      if (occ) leaveRoom(room, occ, stanza);
      return {};
    }
    if (type !== undefined) return {};
    if (occ) {
      if (occ.nick === to.resource) updatePresence(room, occ, stanza);
      else changeNick(room, occ, to.resource);
      return {};
    }
    if (!c.mayJoinMore(from)) throw new StanzaError('resource-constraint');
    joinRoom(room, stanza, from, to.resource, c.created, c.history);
    return {};
  }
  if (stanza.name === 'message') {
    if (to.resource !== '') {
      if (!occ) throw new StanzaError('not-acceptable'); // §7.5: occupants only
      privateMessage(room, occ, to.resource, stanza);
      return {};
    }
    if (type === 'groupchat') {
      if (!occ) throw new StanzaError('not-acceptable'); // §7.4: occupants only
      groupchat(room, occ, stanza);
      return {};
    }
    const ext = stanza.getChild('x', NS_MUC_USER);
    if (ext && inviteOrDecline(room, from, occ, ext)) return {};
    throw new StanzaError('bad-request');
  }
  if (stanza.name === 'iq') return roomIq(room, stanza, from, to, c);
  return {};
}

function roomIq(room: Room, iq: Element, from: Jid, to: Jid, c: RoomStanzaContext): RoomOutcome {
  const type = iq.attrs.type;
  if (type !== 'get' && type !== 'set') return {};
  const query = iq.elements()[0];
  if (!query) throw new StanzaError('bad-request');
  const occ = room.occupantByReal(from);
  if (to.resource !== '') {
    // XEP-0410 §3: a joined client pinging itself gets the answer from the service.
    if (!occ) throw new StanzaError('not-acceptable');
    if (!room.occupants.has(to.resource)) throw new StanzaError('item-not-found');
    if (query.ns === NS_PING && occ.nick === to.resource) return { iqResult: '' };
    throw new StanzaError('service-unavailable');
  }
  // §10.1.1: until configured, a locked room exists only for its owner.
  if (room.locked && room.affiliationOf(from) !== 'owner') throw new StanzaError('item-not-found');
  switch (query.ns) {
    case NS_DISCO_INFO:
      if (type !== 'get') throw new StanzaError('bad-request');
      return { iqResult: roomInfo(room) };
    case NS_DISCO_ITEMS:
      if (type !== 'get') throw new StanzaError('bad-request');
      return { iqResult: roomItems(room, occ) };
    case NS_PING:
      return { iqResult: '' };
    case NS_MUC_ADMIN:
      return { iqResult: handleAdmin(room, from, type, query, c.maxAffiliations) };
    case NS_MUC_OWNER: {
      const r = handleOwner(room, from, type, query, c.maxUsersCap);
      return { iqResult: r.result, destroyed: r.destroyed };
    }
    default:
      throw new StanzaError('service-unavailable');
  }
}

/** The IQ result the service sends for a room outcome. */
export function iqResult(iq: Element, payload: Element | ''): Element {
  return x(
    'iq',
    NS_CLIENT,
    { type: 'result', id: iq.attrs.id, from: iq.attrs.to, to: iq.attrs.from },
    payload === '' ? undefined : payload,
  );
}

import { StanzaError } from '../../errors/index.ts';
import type { Jid } from '../../jid/index.ts';
import { type Element, NS_CLIENT, NS_MUC, x } from '../../xml/index.ts';
import type { Occupant, PresenceOptions, Room } from './room.ts';

/**
 * XEP-0045 §7.2: a user enters `room` as `nick`. Refusals throw the error the section names;
 * on success the room sends the occupants' presence, the new presence (self last, §7.2.3),
 * the discussion history (§7.2.14) and the subject (§7.2.15).
 */
export function joinRoom(
  room: Room,
  stanza: Element,
  from: Jid,
  nick: string,
  created: boolean,
  history: Element[],
) {
  const aff = room.affiliationOf(from);
  // §7.2.7 banned users; §10.1.1 a locked room admits only its owner (item-not-found).
  if (aff === 'outcast') throw new StanzaError('forbidden');
  if (room.locked && aff !== 'owner') throw new StanzaError('item-not-found');
  // §7.2.6: members-only rooms.
  if (room.config.membersOnly && aff === 'none') throw new StanzaError('registration-required');
  // §7.2.9: the nickname is someone else's.
  const taken = room.occupants.get(nick);
  if (taken) throw new StanzaError('conflict');
  // §7.2.5: password-protected rooms (owners enter without it).
  const mucX = stanza.getChild('x', NS_MUC);
  if (room.config.passwordProtected && aff !== 'owner') {
    const given = mucX?.getChildText('password', NS_MUC);
    if (given !== room.config.password) throw new StanzaError('not-authorized');
  }
  // §7.2.10: the room is full (admins and owners still enter).
  if (room.occupants.size >= room.config.maxUsers && aff !== 'owner' && aff !== 'admin') {
    throw new StanzaError('service-unavailable');
  }
  const occ: Occupant = { nick, real: from, role: room.defaultRole(aff), presence: stanza.clone() };
  for (const other of room.occupants.values()) room.host.send(room.presenceOf(other, occ));
  room.addOccupant(occ);
  const selfCodes: string[] = [];
  if (room.config.whois === 'anyone') selfCodes.push('100'); // §7.2.4 non-anonymous room
  if (created) selfCodes.push('201'); // §10.1.1 new room
  room.broadcastPresence(occ, { selfCodes });
  const to = from.toString();
  const roomJid = room.jid.bareString();
  // §7.2.14: the history the service read from the archive for this join.
  for (const m of history) {
    const copy = m.clone();
    copy.setAttr('to', to);
    room.host.send(copy);
  }
  // §7.2.15: the subject always follows the history, empty when none was set.
  const subjectFrom = room.subject.nick === '' ? roomJid : room.occupantJid(room.subject.nick);
  room.host.send(
    x(
      'message',
      NS_CLIENT,
      { from: subjectFrom, to, type: 'groupchat', id: `subject-${room.host.now()}` },
      x('subject', NS_CLIENT, {}, room.subject.text),
    ),
  );
}

/** §7.6: an occupant takes another nickname (unavailable with 303, then available). */
export function changeNick(room: Room, occ: Occupant, nick: string): void {
  if (room.occupants.has(nick)) throw new StanzaError('conflict');
  room.broadcastPresence(occ, {
    type: 'unavailable',
    codes: ['303'],
    itemAttrs: { nick },
  });
  room.occupants.delete(occ.nick);
  occ.nick = nick;
  room.occupants.set(nick, occ);
  room.byReal.set(occ.real.toString(), nick);
  room.broadcastPresence(occ);
}

/** §7.7: a new availability status goes to every occupant. */
export function updatePresence(room: Room, occ: Occupant, stanza: Element): void {
  occ.presence = stanza.clone();
  room.broadcastPresence(occ);
}

/**
 * Removes an occupant, telling everyone (itself included) with an unavailable presence:
 * §7.14 exit, §8.2 kick (307), §9.1 ban (301), §9.? affiliation loss in a members-only room
 * (321/322), §10.9 destruction.
 */
export function expel(room: Room, occ: Occupant, o: PresenceOptions = {}): void {
  room.broadcastPresence(occ, { ...o, type: 'unavailable', role: 'none' });
  room.removeOccupant(occ);
}

/** §7.14: the occupant left; its unavailable presence (with status text) goes to everyone. */
export function leaveRoom(room: Room, occ: Occupant, stanza: Element | undefined): void {
  if (stanza) occ.presence = stanza.clone();
  else occ.presence = x('presence', NS_CLIENT, { type: 'unavailable' });
  expel(room, occ);
}

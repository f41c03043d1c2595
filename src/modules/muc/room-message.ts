import { StanzaError } from '../../errors/index.ts';
import { type Jid, tryParseJid } from '../../jid/index.ts';
import { type Element, NS_CLIENT, NS_MUC_USER, NS_SID, x } from '../../xml/index.ts';
import { encodeStanza } from '../mam/stored-stanza.ts';
import type { Occupant, Room } from './room.ts';

/** §7.4 / §8.1: a message of type groupchat from an occupant to the room. */
export function groupchat(room: Room, occ: Occupant, stanza: Element): void {
  // §7.4: visitors of a moderated room have no voice (forbidden).
  if (occ.role === 'visitor' || occ.role === 'none') throw new StanzaError('forbidden');
  const subject = stanza.getChild('subject', NS_CLIENT);
  const hasBody = stanza.getChild('body', NS_CLIENT) !== undefined;
  const out = reflected(room, stanza);
  out.setAttr('from', room.occupantJid(occ.nick));
  out.setAttr('to', undefined);
  if (subject && !hasBody) {
    // §8.1: moderators change the subject, and participants when the room allows it.
    if (occ.role !== 'moderator' && !room.config.changeSubject) throw new StanzaError('forbidden');
    room.subject = { text: subject.text().slice(0, 1024), nick: occ.nick };
    room.dirty = true;
    room.broadcast(out);
    return;
  }
  if (archivable(out)) {
    // XEP-0359 §3 / XEP-0313 §5.1.2: the room archives the message under its own stanza-id.
    const id = room.host.newId();
    const now = room.host.now();
    out.append(x('stanza-id', NS_SID, { by: room.jid.bareString(), id }));
    room.host.archive({
      id,
      nick: occ.nick,
      realJid: occ.real.bareString(),
      occupantId: '',
      createdAt: now,
      stanza: encodeStanza(out),
    });
  }
  room.broadcast(out);
}

/** XEP-0359 §5: a stanza-id claiming to be the room's is a forgery and goes. */
function reflected(room: Room, stanza: Element): Element {
  const out = stanza.clone();
  const by = room.jid.bareString();
  out.removeChildren((c) => c.name === 'stanza-id' && c.ns === NS_SID && c.attrs.by === by);
  return out;
}

/** Namespaces of payloads that alone make a message not worth keeping (chat states, hints). */
const EPHEMERAL = new Set(['http://jabber.org/protocol/chatstates', 'urn:xmpp:sid:0']);
const NS_HINTS = 'urn:xmpp:hints';

/**
 * XEP-0313 §5.1.2 / XEP-0334: what the room archives: messages with content, unless the sender
 * asked for no storage; a bare chat state is not content.
 */
function archivable(m: Element): boolean {
  const children = m.elements();
  if (
    children.some(
      (c) => c.ns === NS_HINTS && (c.name === 'no-store' || c.name === 'no-permanent-store'),
    )
  ) {
    return false;
  }
  return children.some((c) => !EPHEMERAL.has(c.ns) && c.ns !== NS_HINTS);
}

/** §7.5: a private message between occupants, to room@service/nick. */
export function privateMessage(room: Room, occ: Occupant, nick: string, stanza: Element): void {
  if (stanza.attrs.type === 'groupchat') throw new StanzaError('bad-request');
  const target = room.occupants.get(nick);
  if (!target) throw new StanzaError('item-not-found');
  const allow = room.config.allowPm;
  const ok =
    allow === 'anyone' ||
    (allow === 'participants' && occ.role !== 'visitor') ||
    (allow === 'moderators' && occ.role === 'moderator');
  if (!ok) throw new StanzaError('forbidden');
  const out = reflected(room, stanza);
  out.setAttr('from', room.occupantJid(occ.nick));
  out.setAttr('to', target.real.toString());
  // §7.5: the service adds an empty muc#user extension so clients know it came via the room.
  if (!out.getChild('x', NS_MUC_USER)) out.append(x('x', NS_MUC_USER));
  room.host.send(out);
}

/**
 * §7.8.2 mediated invitations: the room forwards <invite/> to the invitee (with the password);
 * §7.8.2 decline: the room forwards <decline/> to the inviter. In a members-only room only
 * admins and owners (or anyone when allowinvites) may invite, and the invitee becomes a member.
 */
export function inviteOrDecline(
  room: Room,
  from: Jid,
  occ: Occupant | undefined,
  ext: Element,
): boolean {
  const invites = ext.getChildren('invite', NS_MUC_USER).slice(0, 10);
  const decline = ext.getChild('decline', NS_MUC_USER);
  if (invites.length === 0 && !decline) return false;
  if (decline) {
    const to = tryParseJid(decline.attrs.to ?? '');
    if (!to) throw new StanzaError('jid-malformed');
    const reason = decline.getChild('reason', NS_MUC_USER);
    room.host.send(
      x(
        'message',
        NS_CLIENT,
        { from: room.jid.bareString(), to: to.toString() },
        x('x', NS_MUC_USER, {}, x('decline', NS_MUC_USER, { from: from.bareString() }, reason)),
      ),
    );
    return true;
  }
  if (!occ) throw new StanzaError('not-acceptable');
  const aff = room.affiliationOf(from);
  const privileged = aff === 'owner' || aff === 'admin';
  if (room.config.membersOnly && !privileged && !room.config.allowInvites) {
    throw new StanzaError('forbidden');
  }
  for (const inv of invites) {
    const to = tryParseJid(inv.attrs.to ?? '');
    if (!to) throw new StanzaError('jid-malformed');
    if (room.config.membersOnly && room.affiliationOf(to) === 'none') {
      room.setAffiliation(to.bareString(), 'member');
    }
    const reason = inv.getChild('reason', NS_MUC_USER);
    const userX = x(
      'x',
      NS_MUC_USER,
      {},
      x('invite', NS_MUC_USER, { from: from.toString() }, reason),
    );
    if (room.config.passwordProtected) {
      userX.append(x('password', NS_MUC_USER, {}, room.config.password));
    }
    room.host.send(
      x('message', NS_CLIENT, { from: room.jid.bareString(), to: to.toString() }, userX),
    );
  }
  return true;
}

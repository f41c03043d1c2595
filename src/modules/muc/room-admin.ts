import { StanzaError } from '../../errors/index.ts';
import { type Jid, tryParseJid } from '../../jid/index.ts';
import { type Element, NS_MUC_ADMIN, NS_MUC_USER, x } from '../../xml/index.ts';
import {
  AFFILIATIONS,
  type Affiliation,
  affRank,
  type Occupant,
  ROLES,
  type Role,
  type Room,
} from './room.ts';
import { expel } from './room-presence.ts';

type Change =
  | { kind: 'role'; target: Occupant; role: Role; reason: Element | undefined }
  | { kind: 'aff'; bare: string; aff: Affiliation; reason: Element | undefined };

/** XEP-0045 §8–§10 (muc#admin): role and affiliation lists and changes. */
export function handleAdmin(
  room: Room,
  from: Jid,
  type: string,
  query: Element,
  maxAffiliations: number,
): Element {
  const actor = room.occupantByReal(from);
  const actorAff = room.affiliationOf(from);
  const items = query.getChildren('item', NS_MUC_ADMIN);
  if (items.length === 0 || items.length > 100) throw new StanzaError('bad-request');
  if (type === 'get') return list(room, actor, actorAff, items[0]!);
  const changes = items.map((it) => plan(room, actor, actorAff, it));
  const added = changes.filter((c) => c.kind === 'aff' && !room.affiliations.has(c.bare)).length;
  if (room.affiliations.size + added > maxAffiliations) {
    throw new StanzaError('policy-violation', { text: 'too many affiliations in this room' });
  }
  // §10.6 / §10.7: the room never loses its last owner.
  const after = new Map(room.affiliations);
  for (const c of changes) if (c.kind === 'aff') after.set(c.bare, c.aff);
  if (![...after.values()].includes('owner')) {
    throw new StanzaError('conflict', { text: 'a room needs an owner' });
  }
  const actorItem = actor ? x('actor', NS_MUC_USER, { nick: actor.nick }) : undefined;
  for (const c of changes) apply(room, c, actorItem);
  return x('query', NS_MUC_ADMIN);
}

function list(
  room: Room,
  actor: Occupant | undefined,
  actorAff: Affiliation,
  item: Element,
): Element {
  const out = x('query', NS_MUC_ADMIN);
  const aff = item.attrs.affiliation as Affiliation | undefined;
  const role = item.attrs.role as Role | undefined;
  if (aff !== undefined && AFFILIATIONS.includes(aff) && aff !== 'none') {
    // §9.5 / §10.5 / §10.8: admins and owners read affiliation lists.
    if (affRank(actorAff) < affRank('admin')) throw new StanzaError('forbidden');
    for (const [jid, a] of room.affiliations) {
      if (a === aff) out.append(x('item', NS_MUC_ADMIN, { affiliation: a, jid }));
    }
    return out;
  }
  if (role !== undefined && ROLES.includes(role) && role !== 'none') {
    // §8.5 / §9.8: moderators read role lists.
    if (actor?.role !== 'moderator') throw new StanzaError('forbidden');
    for (const o of room.occupants.values()) {
      if (o.role !== role) continue;
      out.append(
        x('item', NS_MUC_ADMIN, {
          nick: o.nick,
          role: o.role,
          affiliation: room.affiliationOf(o.real),
          jid: room.seesJids(actor) ? o.real.toString() : undefined,
        }),
      );
    }
    return out;
  }
  throw new StanzaError('bad-request');
}

function plan(
  room: Room,
  actor: Occupant | undefined,
  actorAff: Affiliation,
  item: Element,
): Change {
  const text = item.getChildText('reason', NS_MUC_ADMIN);
  // The reason is repeated in the muc#user presence (§8.2, §9.1).
  const reason = text === undefined ? undefined : x('reason', NS_MUC_USER, {}, text.slice(0, 1024));
  const role = item.attrs.role as Role | undefined;
  const aff = item.attrs.affiliation as Affiliation | undefined;
  if (role !== undefined && item.attrs.nick !== undefined) {
    if (!ROLES.includes(role)) throw new StanzaError('bad-request');
    if (actor?.role !== 'moderator') throw new StanzaError('forbidden');
    const target = room.occupants.get(item.attrs.nick);
    if (!target) throw new StanzaError('item-not-found');
    const targetAff = room.affiliationOf(target.real);
    // §8.2 / §8.4: admins and owners cannot be kicked or silenced.
    if (role !== 'moderator' && affRank(targetAff) >= affRank('admin')) {
      throw new StanzaError('not-allowed');
    }
    // §9.6 / §9.7: only admins and owners grant or revoke moderation.
    if ((role === 'moderator' || target.role === 'moderator') && affRank(actorAff) < 3) {
      throw new StanzaError('forbidden');
    }
    return { kind: 'role', target, role, reason };
  }
  if (aff !== undefined && item.attrs.jid !== undefined) {
    if (!AFFILIATIONS.includes(aff)) throw new StanzaError('bad-request');
    const jid = tryParseJid(item.attrs.jid);
    if (!jid) throw new StanzaError('jid-malformed');
    const bare = jid.bareString();
    const current = room.affiliations.get(bare) ?? 'none';
    if (affRank(actorAff) < affRank('admin')) throw new StanzaError('forbidden');
    // §9.1 / §10.3–§10.7: admins manage members and outcasts; owners manage admins and owners.
    if (actorAff !== 'owner' && affRank(current) >= affRank('admin')) {
      throw new StanzaError('not-allowed');
    }
    if (actorAff !== 'owner' && affRank(aff) >= affRank('admin')) {
      throw new StanzaError('forbidden');
    }
    return { kind: 'aff', bare, aff, reason };
  }
  throw new StanzaError('bad-request');
}

function apply(room: Room, c: Change, actor: Element | undefined): void {
  const children = [actor, c.reason].filter((e): e is Element => e !== undefined);
  if (c.kind === 'role') {
    if (c.role === 'none') {
      expel(room, c.target, { codes: ['307'], itemChildren: children }); // §8.2 kick
      return;
    }
    c.target.role = c.role;
    room.broadcastPresence(c.target, { itemChildren: children });
    return;
  }
  room.setAffiliation(c.bare, c.aff);
  for (const occ of [...room.occupants.values()]) {
    if (occ.real.bareString() !== c.bare) continue;
    if (c.aff === 'outcast') {
      expel(room, occ, { codes: ['301'], itemChildren: children }); // §9.1 ban
    } else if (room.config.membersOnly && c.aff === 'none') {
      expel(room, occ, { codes: ['321'], itemChildren: children }); // §9.4 membership revoked
    } else {
      occ.role = nextRole(room, occ.role, c.aff);
      room.broadcastPresence(occ, { itemChildren: children });
    }
  }
}

/** §5.1.2: the role that goes with a new affiliation for someone already in the room. */
function nextRole(room: Room, current: Role, aff: Affiliation): Role {
  if (aff === 'owner' || aff === 'admin') return 'moderator';
  if (current === 'moderator') return room.defaultRole(aff);
  if (aff === 'member' && current === 'visitor') return 'participant';
  return current;
}

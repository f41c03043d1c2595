import type { Jid } from '../../jid/index.ts';
import { type Element, NS_CLIENT, NS_MUC, NS_MUC_USER, x } from '../../xml/index.ts';
import type { NewRoomMessage } from './muc-archive-store.ts';
import type { RoomConfig } from './room-config.ts';

export type Affiliation = 'owner' | 'admin' | 'member' | 'outcast' | 'none';
export type Role = 'moderator' | 'participant' | 'visitor' | 'none';

export const AFFILIATIONS: readonly Affiliation[] = ['owner', 'admin', 'member', 'outcast', 'none'];
export const ROLES: readonly Role[] = ['moderator', 'participant', 'visitor', 'none'];

const AFF_RANK: Record<Affiliation, number> = {
  outcast: 0,
  none: 1,
  member: 2,
  admin: 3,
  owner: 4,
};

export function affRank(a: Affiliation): number {
  return AFF_RANK[a];
}

export interface Occupant {
  nick: string;
  /** The occupant's real full JID. */
  real: Jid;
  role: Role;
  /** The last available presence the occupant sent to the room (show, status, caps...). */
  presence: Element;
}

/** What a room needs from its service: an outbox and the per-user occupancy index. */
export interface RoomHost {
  /** Queues a stanza whose 'from' and 'to' are set; the service routes it in order. */
  send(stanza: Element): void;
  joined(real: Jid, room: Room): void;
  left(real: Jid, room: Room): void;
  now(): number;
  /** A new archive UID: the room's XEP-0359 stanza-id of a message. */
  newId(): string;
  /** Queues a message for the room's archive; it is written before the outbox is routed. */
  archive(msg: NewRoomMessage): void;
}

export interface PresenceOptions {
  type?: 'unavailable';
  /** Status codes for every recipient. */
  codes?: string[];
  /** Status codes only the occupant itself gets (110 is added). */
  selfCodes?: string[];
  /** Extra attributes or children of <item/> (nick for 303, actor, reason). */
  itemAttrs?: Record<string, string | undefined>;
  itemChildren?: Element[];
  /** Overrides the reported affiliation/role (none/none when leaving). */
  affiliation?: Affiliation;
  role?: Role;
  extra?: Element[];
}

/** One room's state, in memory on the node that hosts it (XEP-0045). */
export class Room {
  readonly affiliations = new Map<string, Affiliation>();
  readonly occupants = new Map<string, Occupant>();
  /** Real full JID → nick. */
  readonly byReal = new Map<string, string>();
  subject = { text: '', nick: '' };
  /** XEP-0045 §10.1.1: a new room stays locked until its owner configures it. */
  locked = false;
  /** Config, affiliations or subject changed since the last save (persistent rooms). */
  dirty = false;

  constructor(
    readonly jid: Jid,
    public config: RoomConfig,
    readonly host: RoomHost,
  ) {}

  get name(): string {
    return this.jid.local;
  }

  affiliationOf(real: Jid): Affiliation {
    return this.affiliations.get(real.bareString()) ?? 'none';
  }

  setAffiliation(bare: string, a: Affiliation): void {
    this.dirty = true;
    if (a === 'none') this.affiliations.delete(bare);
    else this.affiliations.set(bare, a);
  }

  occupantByReal(real: Jid): Occupant | undefined {
    const nick = this.byReal.get(real.toString());
    return nick === undefined ? undefined : this.occupants.get(nick);
  }

  /** XEP-0045 §5.1.2: the role an affiliation brings on entry. */
  defaultRole(a: Affiliation): Role {
    if (a === 'owner' || a === 'admin') return 'moderator';
    if (this.config.moderated && !this.config.membersByDefault && a === 'none') return 'visitor';
    return 'participant';
  }

  occupantJid(nick: string): string {
    return `${this.jid.bareString()}/${nick}`;
  }

  addOccupant(o: Occupant): void {
    this.occupants.set(o.nick, o);
    this.byReal.set(o.real.toString(), o.nick);
    this.host.joined(o.real, this);
  }

  removeOccupant(o: Occupant): void {
    this.occupants.delete(o.nick);
    this.byReal.delete(o.real.toString());
    this.host.left(o.real, this);
  }

  /** XEP-0045 §7.2.3/§7.2.4: whether `to` may see occupants' real JIDs. */
  seesJids(to: Occupant): boolean {
    return this.config.whois === 'anyone' || to.role === 'moderator';
  }

  /** The presence of `occ` as `to` receives it, with the muc#user extension (§7.2.3). */
  presenceOf(occ: Occupant, to: Occupant, o: PresenceOptions = {}): Element {
    const p = x('presence', NS_CLIENT, {
      from: this.occupantJid(occ.nick),
      to: to.real.toString(),
      type: o.type,
    });
    for (const c of occ.presence.elements()) {
      if (c.ns === NS_MUC || c.ns === NS_MUC_USER) continue;
      if (o.type === 'unavailable' && c.name !== 'status') continue;
      p.append(c.clone());
    }
    const item = x('item', NS_MUC_USER, {
      affiliation: o.affiliation ?? this.affiliationOf(occ.real),
      role: o.role ?? occ.role,
      jid: this.seesJids(to) || to === occ ? occ.real.toString() : undefined,
      ...o.itemAttrs,
    });
    for (const c of o.itemChildren ?? []) item.append(c.clone());
    const ext = x('x', NS_MUC_USER, {}, item);
    const codes = [...(o.codes ?? [])];
    if (to === occ) codes.push(...(o.selfCodes ?? []), '110');
    for (const code of [...new Set(codes)].sort()) ext.append(x('status', NS_MUC_USER, { code }));
    for (const e of o.extra ?? []) ext.append(e.clone());
    p.append(ext);
    return p;
  }

  /** Sends `occ`'s presence to every occupant, `occ` itself last (XEP-0045 §7.2.3). */
  broadcastPresence(occ: Occupant, o: PresenceOptions = {}): void {
    for (const other of this.occupants.values()) {
      if (other !== occ) this.host.send(this.presenceOf(occ, other, o));
    }
    this.host.send(this.presenceOf(occ, occ, o));
  }

  /** Sends a copy of `stanza` to every occupant (its 'from' already set). */
  broadcast(stanza: Element): void {
    for (const occ of this.occupants.values()) {
      const copy = stanza.clone();
      copy.setAttr('to', occ.real.toString());
      this.host.send(copy);
    }
  }

  /** Owners' bare JIDs. */
  owners(): string[] {
    return [...this.affiliations].filter(([, a]) => a === 'owner').map(([j]) => j);
  }
}

import { errorReply, StanzaError } from '../../errors/index.ts';
import { type Jid, makeJid, tryParseJid } from '../../jid/index.ts';
import type { Logger } from '../../observability/logger.ts';
import type { Router } from '../../router/index.ts';
import { type Element, NS_DISCO_INFO, NS_DISCO_ITEMS, NS_MAM, NS_PING } from '../../xml/index.ts';
import { ArchiveIds } from '../mam/archive-id.ts';
import type { MucArchiveStore, NewRoomMessage } from './muc-archive-store.ts';
import { serviceInfo, serviceItems } from './muc-disco.ts';
import type { MucStore, StoredRoom } from './muc-store.ts';
import { type Affiliation, Room, type RoomHost } from './room.ts';
import { type RoomArchiveDeps, readHistory, roomMamIq } from './room-archive.ts';
import { normalizeConfig, type RoomConfig } from './room-config.ts';
import { expel } from './room-presence.ts';
import { handleRoomStanza, iqResult, type RoomOutcome } from './room-stanza.ts';

/** Stanzas waiting for one room before new ones are refused (a room processes in order). */
const MAX_QUEUED_PER_ROOM = 1000;

export interface MucLimits {
  historySize: number;
  maxUsers: number;
  maxRooms: number;
  maxRoomsPerUser: number;
  maxUserConferences: number;
  maxAffiliations: number;
  /** MAM pages on room archives: size without <max/>, and the most a page holds. */
  pageDefault: number;
  pageMax: number;
}

interface Entry {
  room: Room;
  outbox: Element[];
  /** Messages to archive before the outbox goes out. */
  archived: NewRoomMessage[];
  /** The room has a row in the store. */
  stored: boolean;
}

/**
 * One XEP-0045 service (conference.<host>): its rooms live in this process's memory; stanzas
 * for one room are handled one after another (a chain per room name) so that every occupant
 * sees the room's events in the same order.
 */
export class MucService {
  private readonly rooms = new Map<string, Entry>();
  /** Real full JID → the rooms it is in (session end, max_user_conferences). */
  private readonly joined = new Map<string, Set<Room>>();
  private readonly chains = new Map<string, Promise<void>>();
  /** Tasks queued per room, bounded so a flood cannot grow a room's queue without limit. */
  private readonly queued = new Map<string, number>();
  private readonly ids = new ArchiveIds();
  private readonly archiveDeps: RoomArchiveDeps;

  constructor(
    readonly domain: string,
    private readonly name: string,
    private readonly limits: MucLimits,
    private readonly defaults: RoomConfig,
    private readonly deps: {
      router: Router;
      store: MucStore;
      archive: MucArchiveStore;
      log: Logger;
    },
  ) {
    this.archiveDeps = {
      archive: deps.archive,
      domain,
      log: deps.log,
      pages: { defaultMax: Math.min(limits.pageDefault, limits.pageMax), maxMax: limits.pageMax },
      historySize: limits.historySize,
    };
  }

  /** Loads the persistent rooms (at most max_rooms). */
  async load(): Promise<void> {
    for (const r of await this.deps.store.listRooms(this.domain, this.limits.maxRooms)) {
      const e = this.newEntry(r.name, normalizeConfig(r.config, this.defaults));
      e.stored = true;
      e.room.subject = { text: r.subject, nick: r.subjectNick };
      for (const a of r.affiliations) e.room.setAffiliation(a.jid, a.affiliation);
      e.room.dirty = false;
    }
  }

  roomCount(): number {
    return this.rooms.size;
  }

  /** The router's entry point for every stanza to this domain. */
  handle = async (stanza: Element, from: Jid, to: Jid): Promise<void> => {
    if (to.local === '') return this.handleService(stanza, from, to);
    const name = to.local;
    const task = this.serial(name, async () => {
      try {
        await this.handleRoom(name, stanza, from, to);
      } catch (err) {
        if (!(err instanceof StanzaError)) throw err;
        await this.reply(stanza, errorReply(stanza, err), from, to);
      }
    });
    // The router does not wait for this (a bounce re-entering a busy room would deadlock);
    // direct callers (tests) may wait for the task. Per-room order is kept by the chain.
    return task;
  };

  /** An account was removed: its affiliations go (the store forgets them separately). */
  forgetUser(bare: string): void {
    for (const e of this.rooms.values()) {
      if (e.room.affiliations.has(bare)) e.room.affiliations.delete(bare);
    }
  }

  /** The occupant's session ended: it leaves every room (XEP-0045 §7.14). */
  async sessionClosed(real: Jid): Promise<void> {
    const rooms = [...(this.joined.get(real.toString()) ?? [])];
    for (const room of rooms) {
      await this.serial(room.name, async () => {
        const e = this.rooms.get(room.name);
        const occ = e?.room.occupantByReal(real);
        if (!e || !occ) return;
        expel(e.room, occ);
        await this.finish(e, {});
      });
    }
  }

  private async handleService(stanza: Element, from: Jid, to: Jid): Promise<void> {
    const type = stanza.attrs.type;
    if (stanza.name !== 'iq' || (type !== 'get' && type !== 'set')) return;
    const query = stanza.elements()[0];
    let payload: Element | '' | undefined;
    if (type === 'get' && query?.ns === NS_DISCO_INFO && query.attrs.node === undefined) {
      payload = serviceInfo(this.name);
    } else if (type === 'get' && query?.ns === NS_DISCO_ITEMS && query.attrs.node === undefined) {
      payload = serviceItems(
        [...this.rooms.values()].map((e) => e.room),
        1000,
      );
    } else if (type === 'get' && query?.ns === NS_PING) payload = '';
    const out =
      payload === undefined
        ? errorReply(stanza, new StanzaError('service-unavailable'))
        : iqResult(stanza, payload);
    await this.reply(stanza, out, from, to);
  }

  private async handleRoom(name: string, stanza: Element, from: Jid, to: Jid): Promise<void> {
    let e = this.rooms.get(name);
    let created = false;
    if (!e) {
      const joining = stanza.name === 'presence' && stanza.attrs.type === undefined;
      if (!joining || to.resource === '') {
        if (stanza.attrs.type === 'error' || stanza.attrs.type === 'result') return;
        if (stanza.name === 'presence' && stanza.attrs.type !== undefined) return;
        throw new StanzaError('item-not-found');
      }
      e = this.create(name, from);
      created = true;
    }
    const room = e.room;
    if (!created && stanza.name === 'iq' && to.resource === '' && isMam(stanza)) {
      // §10.1.1: until configured, a locked room exists only for its owner.
      if (room.locked && room.affiliationOf(from) !== 'owner') {
        throw new StanzaError('item-not-found');
      }
      const answer = await roomMamIq(this.archiveDeps, room, stanza, from);
      // XEP-0313 §4.2: the results reach the requester before the IQ result.
      for (const m of answer.results) await this.deps.router.route(m, room.jid, from);
      await this.reply(stanza, iqResult(stanza, answer.payload), from, to);
      return;
    }
    const joining =
      !created &&
      stanza.name === 'presence' &&
      stanza.attrs.type === undefined &&
      to.resource !== '' &&
      room.occupantByReal(from) === undefined;
    const history = joining ? await readHistory(this.archiveDeps, room, stanza, Date.now()) : [];
    let outcome: RoomOutcome;
    try {
      outcome = handleRoomStanza(e.room, stanza, from, to, {
        created,
        mayJoinMore: (real) =>
          (this.joined.get(real.toString())?.size ?? 0) < this.limits.maxUserConferences,
        maxUsersCap: this.limits.maxUsers,
        maxAffiliations: this.limits.maxAffiliations,
        history,
      });
    } catch (err) {
      if (created) this.rooms.delete(name);
      throw err;
    }
    await this.finish(e, outcome);
    if (outcome.iqResult !== undefined) {
      await this.reply(stanza, iqResult(stanza, outcome.iqResult), from, to);
    }
  }

  /** XEP-0045 §10.1.1: the creator becomes owner of a new, locked room. */
  private create(name: string, creator: Jid): Entry {
    if (this.rooms.size >= this.limits.maxRooms) {
      throw new StanzaError('resource-constraint', { text: 'too many rooms' });
    }
    const bare = creator.bareString();
    let owned = 0;
    for (const e of this.rooms.values()) if (e.room.affiliations.get(bare) === 'owner') owned++;
    if (owned >= this.limits.maxRoomsPerUser) {
      throw new StanzaError('not-allowed', { text: 'you own too many rooms' });
    }
    const e = this.newEntry(name, { ...this.defaults });
    e.room.setAffiliation(bare, 'owner');
    e.room.locked = true;
    return e;
  }

  private newEntry(name: string, config: RoomConfig): Entry {
    const outbox: Element[] = [];
    const archived: NewRoomMessage[] = [];
    const host: RoomHost = {
      send: (el) => {
        outbox.push(el);
      },
      joined: (real, room) => {
        const key = real.toString();
        const set = this.joined.get(key) ?? new Set<Room>();
        set.add(room);
        this.joined.set(key, set);
      },
      left: (real, room) => {
        const key = real.toString();
        const set = this.joined.get(key);
        set?.delete(room);
        if (set && set.size === 0) this.joined.delete(key);
      },
      now: () => Date.now(),
      newId: () => this.ids.next(),
      archive: (m) => {
        archived.push(m);
      },
    };
    const room = new Room(makeJid(name, this.domain), config, host);
    const e: Entry = { room, outbox, archived, stored: false };
    this.rooms.set(name, e);
    return e;
  }

  /** Routes what the room queued, saves what changed, forgets rooms that are gone. */
  private async finish(e: Entry, outcome: RoomOutcome): Promise<void> {
    await this.writeArchive(e);
    const out = e.outbox.splice(0);
    for (const el of out) {
      const from = tryParseJid(el.attrs.from ?? '');
      const to = tryParseJid(el.attrs.to ?? '');
      if (from && to) await this.deps.router.route(el, from, to);
    }
    const room = e.room;
    const gone =
      outcome.destroyed === true || (room.occupants.size === 0 && !room.config.persistent);
    if (gone || room.locked) {
      if (gone) {
        this.rooms.delete(room.name);
        // A room that is gone takes its archive along: a new room of that name is not its heir.
        await this.deps.archive.removeRoom(this.domain, room.name);
      }
      if (e.stored) await this.deps.store.deleteRoom(this.domain, room.name);
      e.stored = false;
      return;
    }
    if (!room.dirty) return;
    room.dirty = false;
    if (room.config.persistent) {
      await this.deps.store.saveRoom(toStored(this.domain, room));
      e.stored = true;
    } else if (e.stored) {
      await this.deps.store.deleteRoom(this.domain, room.name);
      e.stored = false;
    }
  }

  /**
   * The room reflects a message only once it is archived (as user archives do, ARCHITECTURE.md
   * §5); when the archive fails nothing queued goes out and the sender gets an error.
   */
  private async writeArchive(e: Entry): Promise<void> {
    const msgs = e.archived.splice(0);
    try {
      for (const m of msgs) await this.deps.archive.append(this.domain, e.room.name, m);
    } catch (err) {
      this.deps.log.warn({ what: 'muc_archive_write_failed', room: e.room.name, err });
      e.outbox.length = 0;
      throw new StanzaError('internal-server-error');
    }
  }

  private async reply(stanza: Element, out: Element, from: Jid, to: Jid): Promise<void> {
    if (stanza.attrs.type === 'error' || stanza.attrs.type === 'result') return;
    out.setAttr('from', to.toString());
    out.setAttr('to', from.toString());
    await this.deps.router.route(out, to, from);
  }

  private serial(key: string, fn: () => Promise<void>): Promise<void> {
    const depth = this.queued.get(key) ?? 0;
    if (depth >= MAX_QUEUED_PER_ROOM) {
      return Promise.reject(new Error(`room ${key} has ${depth} stanzas queued`));
    }
    this.queued.set(key, depth + 1);
    const prev = this.chains.get(key) ?? Promise.resolve();
    const run = prev.then(fn).finally(() => {
      const left = (this.queued.get(key) ?? 1) - 1;
      if (left <= 0) this.queued.delete(key);
      else this.queued.set(key, left);
    });
    const tail = run.catch(() => undefined);
    this.chains.set(key, tail);
    void tail.then(() => {
      if (this.chains.get(key) === tail) this.chains.delete(key);
    });
    return run;
  }
}

function isMam(iq: Element): boolean {
  const t = iq.attrs.type;
  return (t === 'get' || t === 'set') && iq.elements()[0]?.ns === NS_MAM;
}

function toStored(service: string, room: Room): StoredRoom {
  const affiliations: StoredRoom['affiliations'] = [];
  for (const [jid, a] of room.affiliations) {
    if (a !== 'none') affiliations.push({ jid, affiliation: a as Exclude<Affiliation, 'none'> });
  }
  return {
    service,
    name: room.name,
    config: { ...room.config },
    subject: room.subject.text,
    subjectNick: room.subject.nick,
    affiliations,
  };
}

import { migrate, type SqlDb } from '../../storage/index.ts';
import { MAM_MAX_PAGE, type MamPageRequest } from '../mam/mam-store.ts';
import { MUC_ARCHIVE_MIGRATIONS } from './muc-archive-migrations.ts';
import type {
  MucArchiveStore,
  NewRoomMessage,
  RoomArchiveFilter,
  RoomArchivePage,
  RoomMessage,
} from './muc-archive-store.ts';

interface Row {
  id: number | bigint;
  stanza_id: string;
  nick: string;
  real_jid: string;
  occupant_id: string;
  created_at: number | bigint;
  retracted: number | bigint;
  stanza: string;
}

const COLUMNS = 'id, stanza_id, nick, real_jid, occupant_id, created_at, retracted, stanza';

/** Runs the 'muc_archive' migrations, then returns a store over `db` (either dialect). */
export async function createMucArchiveStore(db: SqlDb): Promise<MucArchiveStore> {
  await migrate(db, 'muc_archive', MUC_ARCHIVE_MIGRATIONS);
  return new SqlMucArchiveStore(db);
}

class SqlMucArchiveStore implements MucArchiveStore {
  readonly #db: SqlDb;

  constructor(db: SqlDb) {
    this.#db = db;
  }

  async append(service: string, room: string, m: NewRoomMessage): Promise<void> {
    await this.#db.run(
      `INSERT INTO muc_messages
       (service, room, stanza_id, nick, real_jid, occupant_id, created_at, retracted, stanza)
       VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)`,
      [service, room, m.id, m.nick, m.realJid, m.occupantId, m.createdAt, m.stanza],
    );
  }

  async query(
    service: string,
    room: string,
    filter: RoomArchiveFilter,
    page: MamPageRequest,
  ): Promise<RoomArchivePage | undefined> {
    if (!Number.isSafeInteger(page.max) || page.max < 0 || page.max > MAM_MAX_PAGE) {
      throw new RangeError(`page max must be an integer in 0..${MAM_MAX_PAGE}`);
    }
    const where = ['service = ?', 'room = ?'];
    const params: unknown[] = [service, room];
    const add = (cond: string, value: unknown) => {
      where.push(cond);
      params.push(value);
    };
    if (filter.nick !== undefined) add('nick = ?', filter.nick);
    if (filter.realJid !== undefined) add('real_jid = ?', filter.realJid);
    if (filter.start !== undefined) add('created_at >= ?', filter.start);
    if (filter.end !== undefined) add('created_at <= ?', filter.end);
    const cond = where.join(' AND ');
    const count = await this.#count(cond, params);

    const backward = page.before !== undefined;
    const ref = backward ? page.before : page.after;
    let bound: number | undefined;
    if (ref !== undefined && ref !== '') {
      bound = await this.#seqOf(service, room, ref);
      if (bound === undefined) return undefined;
    }
    if (page.max === 0) {
      return { messages: [], count, firstIndex: undefined, complete: count === 0 };
    }
    const pageCond = bound === undefined ? cond : `${cond} AND id ${backward ? '<' : '>'} ?`;
    const pageParams = bound === undefined ? params : [...params, bound];
    const rows = await this.#db.query<Row>(
      `SELECT ${COLUMNS} FROM muc_messages WHERE ${pageCond}
       ORDER BY id ${backward ? 'DESC' : 'ASC'} LIMIT ?`,
      [...pageParams, page.max + 1],
    );
    const complete = rows.length <= page.max;
    const kept = rows.slice(0, page.max);
    if (backward) kept.reverse();
    const first = kept[0];
    const firstIndex =
      first === undefined
        ? undefined
        : await this.#count(`${cond} AND id < ?`, [...params, Number(first.id)]);
    return { messages: kept.map(toMessage), count, firstIndex, complete };
  }

  async get(service: string, room: string, id: string): Promise<RoomMessage | undefined> {
    const rows = await this.#db.query<Row>(
      `SELECT ${COLUMNS} FROM muc_messages WHERE stanza_id = ? AND service = ? AND room = ?`,
      [id, service, room],
    );
    return rows[0] === undefined ? undefined : toMessage(rows[0]);
  }

  async retract(service: string, room: string, id: string, tombstone: string): Promise<boolean> {
    const { changes } = await this.#db.run(
      `UPDATE muc_messages SET retracted = 1, stanza = ?
       WHERE stanza_id = ? AND service = ? AND room = ?`,
      [tombstone, id, service, room],
    );
    return changes > 0;
  }

  async removeRoom(service: string, room: string): Promise<number> {
    const { changes } = await this.#db.run(
      'DELETE FROM muc_messages WHERE service = ? AND room = ?',
      [service, room],
    );
    return changes;
  }

  async #count(cond: string, params: unknown[]): Promise<number> {
    const rows = await this.#db.query<{ n: number | bigint }>(
      `SELECT COUNT(*) AS n FROM muc_messages WHERE ${cond}`,
      params,
    );
    return Number(rows[0]?.n ?? 0);
  }

  async #seqOf(service: string, room: string, stanzaId: string): Promise<number | undefined> {
    const rows = await this.#db.query<{ id: number | bigint }>(
      'SELECT id FROM muc_messages WHERE stanza_id = ? AND service = ? AND room = ?',
      [stanzaId, service, room],
    );
    return rows[0] === undefined ? undefined : Number(rows[0].id);
  }
}

function toMessage(r: Row): RoomMessage {
  return {
    id: r.stanza_id,
    nick: r.nick,
    realJid: r.real_jid,
    occupantId: r.occupant_id,
    createdAt: Number(r.created_at),
    stanza: r.stanza,
    retracted: Number(r.retracted) !== 0,
  };
}

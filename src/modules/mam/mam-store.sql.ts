import { migrate, type SqlDb } from '../../storage/index.ts';
import { MAM_MIGRATIONS } from './mam-migrations.ts';
import {
  type ArchivedMessage,
  MAM_MAX_PAGE,
  type MamFilter,
  type MamPage,
  type MamPageRequest,
  type MamPrefs,
  type MamStore,
  type NewArchivedMessage,
} from './mam-store.ts';

interface Row {
  id: number | bigint;
  stanza_id: string;
  with_jid: string;
  direction: string;
  created_at: number | bigint;
  stanza: string;
}

const COLUMNS = 'id, stanza_id, with_jid, direction, created_at, stanza';

/** Runs the 'mam' migrations, then returns a store over `db` (either dialect). */
export async function createMamStore(db: SqlDb): Promise<MamStore> {
  await migrate(db, 'mam', MAM_MIGRATIONS);
  return new SqlMamStore(db);
}

const APPEND_SQL = `INSERT INTO mam_messages
  (domain, username, stanza_id, with_jid, with_resource, direction, created_at, stanza) VALUES`;
const APPEND_ROW = '(?, ?, ?, ?, ?, ?, ?, ?)';
/** Rows per INSERT: 8 parameters each, well under SQLite's and PostgreSQL's limits. */
const APPEND_BATCH_MAX = 200;
const APPEND_WINDOW_MS = 2;

class SqlMamStore implements MamStore {
  readonly #db: SqlDb;

  constructor(db: SqlDb) {
    this.#db = db;
  }

  /**
   * Group commit: appends made within a 2 ms window go into one multi-row INSERT (one
   * SQLite transaction / one PostgreSQL round trip) instead of one each, which capped messaging
   * near 1,000 msgs/s with MAM on. Each promise still resolves only once its row is committed.
   */
  append(user: string, domain: string, m: NewArchivedMessage): Promise<void> {
    const row = [domain, user, m.id, m.with, m.withResource, m.direction, m.createdAt, m.stanza];
    return new Promise((resolve, reject) => {
      this.#pending.push({ row, resolve, reject });
      if (this.#pending.length >= APPEND_BATCH_MAX) {
        void this.#flush();
      } else if (!this.#flushScheduled) {
        // A 2 ms window: at a few thousand msgs/s each loop turn carries one or two messages,
        // so batching by turn alone still paid one SQLite commit (WAL pages) per message.
        this.#flushScheduled = true;
        setTimeout(() => void this.#flush(), APPEND_WINDOW_MS);
      }
    });
  }

  #pending: { row: unknown[]; resolve: () => void; reject: (err: unknown) => void }[] = [];
  #flushScheduled = false;

  /** One flush loop at a time: batches must commit in order (PostgreSQL has a pool). */
  #flushing = false;

  async #flush(): Promise<void> {
    this.#flushScheduled = false;
    if (this.#flushing) return; // the running loop takes what is pending
    this.#flushing = true;
    try {
      await this.#drain();
    } finally {
      this.#flushing = false;
    }
  }

  async #drain(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, APPEND_BATCH_MAX);
      try {
        await this.#db.run(
          `${APPEND_SQL} ${batch.map(() => APPEND_ROW).join(', ')}`,
          batch.flatMap((b) => b.row),
        );
        for (const b of batch) b.resolve();
      } catch {
        // One bad row must not fail its neighbours: retry them one by one.
        for (const b of batch) {
          try {
            await this.#db.run(`${APPEND_SQL} ${APPEND_ROW}`, b.row);
            b.resolve();
          } catch (err) {
            b.reject(err);
          }
        }
      }
    }
  }

  async query(
    user: string,
    domain: string,
    filter: MamFilter,
    page: MamPageRequest,
  ): Promise<MamPage | undefined> {
    if (!Number.isSafeInteger(page.max) || page.max < 0 || page.max > MAM_MAX_PAGE) {
      throw new RangeError(`page max must be an integer in 0..${MAM_MAX_PAGE}`);
    }
    const where = ['domain = ?', 'username = ?'];
    const params: unknown[] = [domain, user];
    if (filter.with !== undefined) {
      where.push('with_jid = ?');
      params.push(filter.with);
      if (filter.withResource !== undefined) {
        where.push('with_resource = ?');
        params.push(filter.withResource);
      }
    }
    if (filter.start !== undefined) {
      where.push('created_at >= ?');
      params.push(filter.start);
    }
    if (filter.end !== undefined) {
      where.push('created_at <= ?');
      params.push(filter.end);
    }
    const cond = where.join(' AND ');
    const count = await this.#count(cond, params);

    const backward = page.before !== undefined;
    const ref = backward ? page.before : page.after;
    let bound: number | undefined;
    if (ref !== undefined && ref !== '') {
      bound = await this.#seqOf(user, domain, ref);
      if (bound === undefined) return undefined;
    }
    if (page.max === 0) {
      return { messages: [], count, firstIndex: undefined, complete: count === 0 };
    }
    const pageCond = bound === undefined ? cond : `${cond} AND id ${backward ? '<' : '>'} ?`;
    const pageParams = bound === undefined ? params : [...params, bound];
    const rows = await this.#db.query<Row>(
      `SELECT ${COLUMNS} FROM mam_messages WHERE ${pageCond}
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

  async getPrefs(user: string, domain: string): Promise<MamPrefs | undefined> {
    const rows = await this.#db.query<{
      default_mode: string;
      always_jids: string;
      never_jids: string;
    }>(
      'SELECT default_mode, always_jids, never_jids FROM mam_prefs WHERE domain = ? AND username = ?',
      [domain, user],
    );
    const row = rows[0];
    if (!row) return undefined;
    const mode = row.default_mode;
    return {
      default: mode === 'never' || mode === 'roster' ? mode : 'always',
      always: jidList(row.always_jids),
      never: jidList(row.never_jids),
    };
  }

  async setPrefs(user: string, domain: string, prefs: MamPrefs): Promise<void> {
    await this.#db.run(
      `INSERT INTO mam_prefs (domain, username, default_mode, always_jids, never_jids)
       VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (domain, username) DO UPDATE SET default_mode = excluded.default_mode,
         always_jids = excluded.always_jids, never_jids = excluded.never_jids`,
      [domain, user, prefs.default, JSON.stringify(prefs.always), JSON.stringify(prefs.never)],
    );
  }

  async removeAll(user: string, domain: string): Promise<number> {
    return this.#db.transaction(async (tx) => {
      await tx.run('DELETE FROM mam_prefs WHERE domain = ? AND username = ?', [domain, user]);
      const { changes } = await tx.run(
        'DELETE FROM mam_messages WHERE domain = ? AND username = ?',
        [domain, user],
      );
      return changes;
    });
  }

  async removeOlderThan(cutoff: number, limit: number): Promise<number> {
    const { changes } = await this.#db.run(
      `DELETE FROM mam_messages WHERE id IN
       (SELECT id FROM mam_messages WHERE created_at < ? ORDER BY created_at LIMIT ?)`,
      [cutoff, limit],
    );
    return changes;
  }

  async #count(cond: string, params: unknown[]): Promise<number> {
    const rows = await this.#db.query<{ n: number | bigint }>(
      `SELECT COUNT(*) AS n FROM mam_messages WHERE ${cond}`,
      params,
    );
    return Number(rows[0]?.n ?? 0);
  }

  async #seqOf(user: string, domain: string, stanzaId: string): Promise<number | undefined> {
    const rows = await this.#db.query<{ id: number | bigint }>(
      'SELECT id FROM mam_messages WHERE domain = ? AND username = ? AND stanza_id = ?',
      [domain, user, stanzaId],
    );
    return rows[0] === undefined ? undefined : Number(rows[0].id);
  }
}

function toMessage(r: Row): ArchivedMessage {
  return {
    id: r.stanza_id,
    with: r.with_jid,
    direction: r.direction === 'out' ? 'out' : 'in',
    createdAt: Number(r.created_at),
    stanza: r.stanza,
  };
}

function jidList(json: string): string[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((j): j is string => typeof j === 'string') : [];
  } catch {
    return [];
  }
}

import { type Migration, migrate, type SqlDb } from '../../storage/index.ts';
import {
  type NewOfflineMessage,
  OFFLINE_LIST_MAX_LIMIT,
  type OfflineStore,
  type StoredOfflineMessage,
} from './offline-store.ts';

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'create offline_messages',
    sqlite: `CREATE TABLE offline_messages (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      domain TEXT NOT NULL,
      username TEXT NOT NULL,
      from_jid TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      stanza TEXT NOT NULL
    );
    CREATE INDEX offline_messages_user ON offline_messages (domain, username, id)`,
    postgres: `CREATE TABLE offline_messages (
      id BIGSERIAL PRIMARY KEY,
      domain TEXT COLLATE "C" NOT NULL,
      username TEXT COLLATE "C" NOT NULL,
      from_jid TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      stanza TEXT NOT NULL
    );
    CREATE INDEX offline_messages_user ON offline_messages (domain, username, id)`,
  },
];

/** Placeholders per DELETE ... IN (...) statement: well under both backends' limits. */
const DELETE_CHUNK = 500;

interface Row {
  id: number | bigint;
  from_jid: string;
  created_at: number | bigint;
  stanza: string;
}

/** Runs the 'offline' migrations, then returns a store over `db` (either dialect). */
export async function createOfflineStore(db: SqlDb): Promise<OfflineStore> {
  await migrate(db, 'offline', MIGRATIONS);
  return new SqlOfflineStore(db);
}

class SqlOfflineStore implements OfflineStore {
  readonly #db: SqlDb;

  constructor(db: SqlDb) {
    this.#db = db;
  }

  async push(
    user: string,
    domain: string,
    msg: NewOfflineMessage,
    max: number,
  ): Promise<'stored' | 'full'> {
    // One statement checks the cap and inserts; the casts give PostgreSQL the column types of
    // parameters that appear only in a SELECT list.
    const { changes } = await this.#db.run(
      `INSERT INTO offline_messages (domain, username, from_jid, created_at, stanza)
       SELECT CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS TEXT)
       WHERE (SELECT COUNT(*) FROM offline_messages WHERE domain = ? AND username = ?) < ?`,
      [domain, user, msg.from, msg.createdAt, msg.stanza, domain, user, max],
    );
    return changes === 1 ? 'stored' : 'full';
  }

  async list(
    user: string,
    domain: string,
    opts: { limit: number; afterId?: number },
  ): Promise<StoredOfflineMessage[]> {
    if (
      !Number.isSafeInteger(opts.limit) ||
      opts.limit < 1 ||
      opts.limit > OFFLINE_LIST_MAX_LIMIT
    ) {
      throw new RangeError(`list limit must be an integer in 1..${OFFLINE_LIST_MAX_LIMIT}`);
    }
    const rows = await this.#db.query<Row>(
      `SELECT id, from_jid, created_at, stanza FROM offline_messages
       WHERE domain = ? AND username = ? AND id > ? ORDER BY id LIMIT ?`,
      [domain, user, opts.afterId ?? 0, opts.limit],
    );
    return rows.map((r) => ({
      id: Number(r.id),
      from: r.from_jid,
      createdAt: Number(r.created_at),
      stanza: r.stanza,
    }));
  }

  async remove(user: string, domain: string, ids: readonly number[]): Promise<number> {
    let removed = 0;
    for (let i = 0; i < ids.length; i += DELETE_CHUNK) {
      const chunk = ids.slice(i, i + DELETE_CHUNK);
      const { changes } = await this.#db.run(
        `DELETE FROM offline_messages WHERE domain = ? AND username = ?
         AND id IN (${chunk.map(() => '?').join(', ')})`,
        [domain, user, ...chunk],
      );
      removed += changes;
    }
    return removed;
  }

  async count(user: string, domain: string): Promise<number> {
    const rows = await this.#db.query<{ n: number | bigint }>(
      'SELECT COUNT(*) AS n FROM offline_messages WHERE domain = ? AND username = ?',
      [domain, user],
    );
    return Number(rows[0]?.n ?? 0);
  }

  async removeAll(user: string, domain: string): Promise<number> {
    const { changes } = await this.#db.run(
      'DELETE FROM offline_messages WHERE domain = ? AND username = ?',
      [domain, user],
    );
    return changes;
  }
}

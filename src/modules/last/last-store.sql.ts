import { type Migration, migrate, type SqlDb } from '../../storage/index.ts';
import { LAST_STATUS_MAX_CHARS, type LastActivity, type LastStore } from './last-store.ts';

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'create last_activity',
    sqlite: `CREATE TABLE last_activity (
      domain TEXT NOT NULL,
      username TEXT NOT NULL,
      seen_at BIGINT NOT NULL,
      status TEXT NOT NULL,
      PRIMARY KEY (domain, username)
    )`,
    postgres: `CREATE TABLE last_activity (
      domain TEXT COLLATE "C" NOT NULL,
      username TEXT COLLATE "C" NOT NULL,
      seen_at BIGINT NOT NULL,
      status TEXT NOT NULL,
      PRIMARY KEY (domain, username)
    )`,
  },
];

/** Runs the 'last' migrations, then returns a store over `db` (either dialect). */
export async function createLastStore(db: SqlDb): Promise<LastStore> {
  await migrate(db, 'last', MIGRATIONS);
  return new SqlLastStore(db);
}

class SqlLastStore implements LastStore {
  readonly #db: SqlDb;

  constructor(db: SqlDb) {
    this.#db = db;
  }

  async set(user: string, domain: string, activity: LastActivity): Promise<void> {
    await this.#db.run(
      `INSERT INTO last_activity (domain, username, seen_at, status) VALUES (?, ?, ?, ?)
       ON CONFLICT (domain, username)
       DO UPDATE SET seen_at = excluded.seen_at, status = excluded.status`,
      [domain, user, activity.at, cutStatus(activity.status)],
    );
  }

  async get(user: string, domain: string): Promise<LastActivity | null> {
    const rows = await this.#db.query<{ seen_at: number | bigint; status: string }>(
      'SELECT seen_at, status FROM last_activity WHERE domain = ? AND username = ?',
      [domain, user],
    );
    const row = rows[0];
    return row ? { at: Number(row.seen_at), status: row.status } : null;
  }

  async remove(user: string, domain: string): Promise<boolean> {
    const { changes } = await this.#db.run(
      'DELETE FROM last_activity WHERE domain = ? AND username = ?',
      [domain, user],
    );
    return changes > 0;
  }
}

/** Cuts at a code point boundary (never half of a surrogate pair). */
function cutStatus(status: string): string {
  if (status.length <= LAST_STATUS_MAX_CHARS) return status;
  const cut = status.slice(0, LAST_STATUS_MAX_CHARS);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

import { type Migration, migrate, type SqlDb } from '../../storage/index.ts';
import type { BlockingStore } from './blocking-store.ts';

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'create blocklist',
    sqlite: `CREATE TABLE blocklist (
      domain TEXT NOT NULL,
      username TEXT NOT NULL,
      jid TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      PRIMARY KEY (domain, username, jid)
    )`,
    postgres: `CREATE TABLE blocklist (
      domain TEXT COLLATE "C" NOT NULL,
      username TEXT COLLATE "C" NOT NULL,
      jid TEXT COLLATE "C" NOT NULL,
      created_at BIGINT NOT NULL,
      PRIMARY KEY (domain, username, jid)
    )`,
  },
];

/** Runs the 'blocklist' migrations, then returns a store over `db` (either dialect). */
export async function createBlockingStore(db: SqlDb): Promise<BlockingStore> {
  await migrate(db, 'blocklist', MIGRATIONS);
  return new SqlBlockingStore(db);
}

const LIST = 'SELECT jid FROM blocklist WHERE domain = ? AND username = ? ORDER BY jid';

class SqlBlockingStore implements BlockingStore {
  constructor(private readonly db: SqlDb) {}

  async list(user: string, domain: string): Promise<string[]> {
    const rows = await this.db.query<{ jid: string }>(LIST, [domain, user]);
    return rows.map((r) => r.jid);
  }

  add(user: string, domain: string, jids: readonly string[]): Promise<string[]> {
    const now = Date.now();
    return this.db.transaction(async (tx) => {
      const added: string[] = [];
      for (const jid of new Set(jids)) {
        const r = await tx.run(
          `INSERT INTO blocklist (domain, username, jid, created_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (domain, username, jid) DO NOTHING`,
          [domain, user, jid, now],
        );
        if (r.changes > 0) added.push(jid);
      }
      return added;
    });
  }

  remove(user: string, domain: string, jids: readonly string[]): Promise<string[]> {
    return this.db.transaction(async (tx) => {
      const removed: string[] = [];
      for (const jid of new Set(jids)) {
        const r = await tx.run(
          'DELETE FROM blocklist WHERE domain = ? AND username = ? AND jid = ?',
          [domain, user, jid],
        );
        if (r.changes > 0) removed.push(jid);
      }
      return removed;
    });
  }

  clear(user: string, domain: string): Promise<string[]> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<{ jid: string }>(LIST, [domain, user]);
      await tx.run('DELETE FROM blocklist WHERE domain = ? AND username = ?', [domain, user]);
      return rows.map((r) => r.jid);
    });
  }
}

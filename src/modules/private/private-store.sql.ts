import { type Migration, migrate, type SqlDb } from '../../storage/index.ts';
import type { PrivateEntry, PrivateStore } from './private-store.ts';

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'create private_storage',
    sqlite: `CREATE TABLE private_storage (
      domain TEXT NOT NULL,
      username TEXT NOT NULL,
      namespace TEXT NOT NULL,
      data TEXT NOT NULL,
      updated_at BIGINT NOT NULL,
      PRIMARY KEY (domain, username, namespace)
    )`,
    postgres: `CREATE TABLE private_storage (
      domain TEXT COLLATE "C" NOT NULL,
      username TEXT COLLATE "C" NOT NULL,
      namespace TEXT COLLATE "C" NOT NULL,
      data TEXT NOT NULL,
      updated_at BIGINT NOT NULL,
      PRIMARY KEY (domain, username, namespace)
    )`,
  },
];

/** Runs the 'private_storage' migrations, then returns a store over `db` (either dialect). */
export async function createPrivateStore(db: SqlDb): Promise<PrivateStore> {
  await migrate(db, 'private_storage', MIGRATIONS);
  return new SqlPrivateStore(db);
}

class SqlPrivateStore implements PrivateStore {
  constructor(private readonly db: SqlDb) {}

  async get(user: string, domain: string, namespace: string): Promise<string | null> {
    const rows = await this.db.query<{ data: string }>(
      'SELECT data FROM private_storage WHERE domain = ? AND username = ? AND namespace = ?',
      [domain, user, namespace],
    );
    return rows[0]?.data ?? null;
  }

  async set(user: string, domain: string, entries: readonly PrivateEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const now = Date.now();
    await this.db.transaction(async (tx) => {
      for (const e of entries) {
        await tx.run(
          `INSERT INTO private_storage (domain, username, namespace, data, updated_at)
           VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (domain, username, namespace) DO UPDATE SET data = excluded.data,
             updated_at = excluded.updated_at`,
          [domain, user, e.namespace, e.xml, now],
        );
      }
    });
  }

  async namespaces(user: string, domain: string): Promise<string[]> {
    const rows = await this.db.query<{ namespace: string }>(
      'SELECT namespace FROM private_storage WHERE domain = ? AND username = ? ORDER BY namespace',
      [domain, user],
    );
    return rows.map((r) => r.namespace);
  }

  async removeAll(user: string, domain: string): Promise<number> {
    const r = await this.db.run('DELETE FROM private_storage WHERE domain = ? AND username = ?', [
      domain,
      user,
    ]);
    return r.changes;
  }
}

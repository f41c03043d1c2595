import { type Migration, migrate, type SqlDb } from '../../storage/index.ts';
import type { VcardStore } from './vcard-store.ts';

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'create vcards',
    sqlite: `CREATE TABLE vcards (
      domain TEXT NOT NULL,
      username TEXT NOT NULL,
      vcard TEXT NOT NULL,
      updated_at BIGINT NOT NULL,
      PRIMARY KEY (domain, username)
    )`,
    postgres: `CREATE TABLE vcards (
      domain TEXT COLLATE "C" NOT NULL,
      username TEXT COLLATE "C" NOT NULL,
      vcard TEXT NOT NULL,
      updated_at BIGINT NOT NULL,
      PRIMARY KEY (domain, username)
    )`,
  },
];

/** Runs the 'vcards' migrations, then returns a store over `db` (either dialect). */
export async function createVcardStore(db: SqlDb): Promise<VcardStore> {
  await migrate(db, 'vcards', MIGRATIONS);
  return new SqlVcardStore(db);
}

class SqlVcardStore implements VcardStore {
  constructor(private readonly db: SqlDb) {}

  async get(user: string, domain: string): Promise<string | null> {
    const rows = await this.db.query<{ vcard: string }>(
      'SELECT vcard FROM vcards WHERE domain = ? AND username = ?',
      [domain, user],
    );
    return rows[0]?.vcard ?? null;
  }

  async set(user: string, domain: string, xml: string): Promise<void> {
    await this.db.run(
      `INSERT INTO vcards (domain, username, vcard, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (domain, username) DO UPDATE SET vcard = excluded.vcard,
         updated_at = excluded.updated_at`,
      [domain, user, xml, Date.now()],
    );
  }

  async remove(user: string, domain: string): Promise<boolean> {
    const r = await this.db.run('DELETE FROM vcards WHERE domain = ? AND username = ?', [
      domain,
      user,
    ]);
    return r.changes > 0;
  }
}

import { type Migration, migrate, type SqlDb } from '../../storage/index.ts';
import type { PushRegistration, PushStore } from './push-store.ts';

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'create push_registrations',
    sqlite: `CREATE TABLE push_registrations (
      domain TEXT NOT NULL,
      username TEXT NOT NULL,
      app_jid TEXT NOT NULL,
      node TEXT NOT NULL,
      resource TEXT NOT NULL,
      options TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      PRIMARY KEY (domain, username, app_jid, node)
    )`,
    postgres: `CREATE TABLE push_registrations (
      domain TEXT COLLATE "C" NOT NULL,
      username TEXT COLLATE "C" NOT NULL,
      app_jid TEXT COLLATE "C" NOT NULL,
      node TEXT COLLATE "C" NOT NULL,
      resource TEXT NOT NULL,
      options TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      PRIMARY KEY (domain, username, app_jid, node)
    )`,
  },
];

interface Row {
  app_jid: string;
  node: string;
  resource: string;
  options: string;
}

/** Runs the 'push_registrations' migrations, then returns a store over `db` (either dialect). */
export async function createPushStore(db: SqlDb): Promise<PushStore> {
  await migrate(db, 'push_registrations', MIGRATIONS);
  return new SqlPushStore(db);
}

class SqlPushStore implements PushStore {
  constructor(private readonly db: SqlDb) {}

  async enable(user: string, domain: string, reg: PushRegistration, max: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const others = await tx.query<{ n: number | string }>(
        `SELECT COUNT(*) AS n FROM push_registrations
         WHERE domain = ? AND username = ? AND NOT (app_jid = ? AND node = ?)`,
        [domain, user, reg.jid, reg.node],
      );
      if (Number(others[0]?.n ?? 0) >= max) return false;
      await tx.run(
        `INSERT INTO push_registrations (domain, username, app_jid, node, resource, options, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (domain, username, app_jid, node) DO UPDATE SET resource = excluded.resource,
           options = excluded.options, created_at = excluded.created_at`,
        [domain, user, reg.jid, reg.node, reg.resource, JSON.stringify(reg.options), Date.now()],
      );
      return true;
    });
  }

  async disable(user: string, domain: string, jid: string, node?: string): Promise<number> {
    const r =
      node === undefined
        ? await this.db.run(
            'DELETE FROM push_registrations WHERE domain = ? AND username = ? AND app_jid = ?',
            [domain, user, jid],
          )
        : await this.db.run(
            'DELETE FROM push_registrations WHERE domain = ? AND username = ? AND app_jid = ? AND node = ?',
            [domain, user, jid, node],
          );
    return r.changes;
  }

  async list(user: string, domain: string): Promise<PushRegistration[]> {
    const rows = await this.db.query<Row>(
      `SELECT app_jid, node, resource, options FROM push_registrations
       WHERE domain = ? AND username = ? ORDER BY app_jid, node`,
      [domain, user],
    );
    return rows.map((r) => ({
      jid: r.app_jid,
      node: r.node,
      resource: r.resource,
      options: JSON.parse(r.options) as PushRegistration['options'],
    }));
  }

  async removeAll(user: string, domain: string): Promise<number> {
    const r = await this.db.run(
      'DELETE FROM push_registrations WHERE domain = ? AND username = ?',
      [domain, user],
    );
    return r.changes;
  }
}

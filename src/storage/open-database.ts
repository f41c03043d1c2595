import { PostgresDb } from './postgres-db.ts';
import type { DatabaseConfig, SqlDb } from './sql-db.ts';
import { SqliteDb } from './sqlite-db.ts';

/** Opens a database and checks that it answers; the caller closes it. */
export async function openDatabase(cfg: DatabaseConfig): Promise<SqlDb> {
  const db = cfg.backend === 'sqlite' ? new SqliteDb(cfg) : new PostgresDb(cfg);
  try {
    await db.ping();
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
  return db;
}

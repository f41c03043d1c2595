import type { SqlDb } from './sql-db.ts';

/** One schema change of one component, written for both dialects. */
export interface Migration {
  /** Positive integer, unique within the component; applied in ascending order. */
  version: number;
  /** Short description, recorded; must never change once released. */
  name: string;
  /** Script (several statements allowed) for SQLite. */
  sqlite: string;
  /** Script (several statements allowed) for PostgreSQL. */
  postgres: string;
}

export interface AppliedMigration {
  version: number;
  name: string;
  appliedAt: number;
}

/**
 * Key of the PostgreSQL advisory lock that serializes migrations of every component on one
 * database: nodes starting together queue here instead of racing on CREATE TABLE.
 */
const MIGRATION_LOCK_KEY = 0x4d45_524b; // "MERK"

/** Migrations may rewrite big tables: far longer than a request's statement timeout. */
const MIGRATION_STATEMENT_TIMEOUT_MS = 30 * 60_000;

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  component TEXT NOT NULL,
  version INTEGER NOT NULL,
  name TEXT NOT NULL,
  applied_at BIGINT NOT NULL,
  PRIMARY KEY (component, version)
)`;

/**
 * Applies, in one transaction and in version order, the migrations of `component` that the
 * database has not recorded in `schema_migrations`. Safe to call at every start and from several
 * nodes at once. Versions recorded but unknown here (a newer node migrated first) are left alone:
 * migrations must stay additive so that older nodes keep working during a rolling upgrade.
 */
export async function migrate(
  db: SqlDb,
  component: string,
  migrations: Migration[],
): Promise<void> {
  const ordered = validate(component, migrations);
  await db.transaction(
    async (tx) => {
      await prepareTable(tx);
      const applied = new Map(
        (await readApplied(tx, component)).map((m) => [m.version, m.name] as const),
      );
      for (const m of ordered) {
        const recorded = applied.get(m.version);
        if (recorded !== undefined) {
          if (recorded !== m.name) {
            throw new Error(
              `migration ${component} v${m.version} was applied as "${recorded}" but is now "${m.name}"`,
            );
          }
          continue;
        }
        await tx.exec(tx.dialect === 'sqlite' ? m.sqlite : m.postgres);
        await tx.run(
          'INSERT INTO schema_migrations (component, version, name, applied_at) VALUES (?, ?, ?, ?)',
          [component, m.version, m.name, Date.now()],
        );
      }
    },
    { statementTimeoutMs: MIGRATION_STATEMENT_TIMEOUT_MS },
  );
}

/** The migrations recorded for `component`, by version (empty if none or no table yet). */
export async function appliedMigrations(db: SqlDb, component: string): Promise<AppliedMigration[]> {
  return db.transaction(async (tx) => {
    await prepareTable(tx);
    return readApplied(tx, component);
  });
}

/** Takes the migration lock (PostgreSQL) and makes sure the bookkeeping table exists. */
async function prepareTable(tx: SqlDb): Promise<void> {
  if (tx.dialect === 'postgres') {
    await tx.query('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK_KEY]);
  }
  await tx.exec(CREATE_TABLE);
}

async function readApplied(db: SqlDb, component: string): Promise<AppliedMigration[]> {
  const rows = await db.query<{ version: number; name: string; applied_at: number }>(
    'SELECT version, name, applied_at FROM schema_migrations WHERE component = ? ORDER BY version',
    [component],
  );
  return rows.map((r) => ({ version: r.version, name: r.name, appliedAt: Number(r.applied_at) }));
}

function validate(component: string, migrations: Migration[]): Migration[] {
  if (component === '') throw new Error('migration component name is empty');
  const seen = new Set<number>();
  for (const m of migrations) {
    if (!Number.isSafeInteger(m.version) || m.version < 1) {
      throw new Error(`migration ${component} has invalid version ${m.version}`);
    }
    if (seen.has(m.version)) throw new Error(`migration ${component} v${m.version} is duplicated`);
    seen.add(m.version);
  }
  return [...migrations].sort((a, b) => a.version - b.version);
}

export { type AppliedMigration, appliedMigrations, type Migration, migrate } from './migrate.ts';
export { openDatabase } from './open-database.ts';
export {
  type DatabaseConfig,
  DEFAULT_STATEMENT_TIMEOUT_MS,
  type PostgresConfig,
  type SqlDb,
  type SqlDialect,
  type SqliteConfig,
  type TransactionOptions,
} from './sql-db.ts';

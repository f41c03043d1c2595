/**
 * The SQL abstraction every store is written against (ARCHITECTURE.md §5). A store writes one SQL
 * text with `?` placeholders; the PostgreSQL driver rewrites them to `$1..$n`.
 *
 * Portability rules for store authors (both backends run the same conformance suite):
 * - binary data is a `Buffer` (BLOB / BYTEA); integers are `number` (PostgreSQL BIGINT is parsed to
 *   a number when it is a safe integer, to a `bigint` otherwise); timestamps are BIGINT milliseconds;
 * - flags are INTEGER 0/1 (SQLite has no boolean type; `true`/`false` params are bound as 1/0 there);
 * - column names and aliases are lower-case snake_case (PostgreSQL folds unquoted names);
 * - text ordering that must match on both backends needs `COLLATE "C"` on PostgreSQL columns
 *   (SQLite's default BINARY collation is UTF-8 byte order, i.e. code point order, like "C");
 * - no `?` operator of jsonb (it would be read as a placeholder): use `jsonb_exists()`.
 */
export interface SqlDb {
  readonly dialect: SqlDialect;
  /** Runs one statement and returns its rows (empty for statements that return none). */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs one statement and returns how many rows it inserted, updated or deleted. */
  run(sql: string, params?: unknown[]): Promise<{ changes: number }>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
  /**
   * Runs `fn` in a transaction: committed when `fn` resolves, rolled back when it throws (the
   * error is rethrown). Use only `tx` inside `fn`; on SQLite, using the outer db there rejects
   * (it would wait for the transaction forever). `tx.transaction()` nests with a savepoint.
   */
  transaction<T>(fn: (tx: SqlDb) => Promise<T>, opts?: TransactionOptions): Promise<T>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** Waits for running work, then closes every connection. Later calls reject. */
  close(): Promise<void>;
}

export type SqlDialect = 'sqlite' | 'postgres';

export interface TransactionOptions {
  /**
   * Statement timeout inside this transaction (PostgreSQL), replacing the database's default;
   * for long work such as migrations. SQLite statements are synchronous and have no timeout.
   */
  statementTimeoutMs?: number;
}

export interface SqliteConfig {
  backend: 'sqlite';
  /** Database file; created if missing. `:memory:` works for throwaway use. */
  path: string;
  /**
   * `normal` (default): in WAL mode a commit survives a process crash but the last commits may be
   * lost on power failure or OS crash. `full`: fsync at every commit, durable across power loss.
   */
  durability?: 'normal' | 'full';
  /** How long a writer waits for another process holding the file's write lock. Default 5000. */
  busyTimeoutMs?: number;
  /**
   * Reject use of the outer db inside its own transaction (which would deadlock) instead of
   * hanging. Tests turn it on; it is off in production because the AsyncLocalStorage it needs
   * makes Node 20 track every promise of the process (5-7% of CPU when messaging, measured).
   */
  detectMisuse?: boolean;
}

export interface PostgresConfig {
  backend: 'postgres';
  /** `postgres://user:password@host:port/database` */
  url: string;
  /** Maximum connections in the pool. Default 10. */
  poolSize?: number;
  /** Sets `search_path` to this schema (which must exist). A plain identifier: [A-Za-z_][A-Za-z0-9_]*. */
  schema?: string;
  /** Server-side `statement_timeout` for every statement, and the pool's connect timeout. Default 5000. */
  statementTimeoutMs?: number;
  /** Called with errors of idle connections (the pool replaces them). Default: ignored. */
  onError?: (err: Error) => void;
}

export type DatabaseConfig = SqliteConfig | PostgresConfig;

export const DEFAULT_STATEMENT_TIMEOUT_MS = 5000;

import pg from 'pg';
import { BoundedCache } from './bounded-cache.ts';
import { rewritePlaceholders } from './placeholders.ts';
import { ScopedTx, type TxExecutor } from './scoped-tx.ts';
import {
  DEFAULT_STATEMENT_TIMEOUT_MS,
  type PostgresConfig,
  type SqlDb,
  type TransactionOptions,
} from './sql-db.ts';

type Row = Record<string, unknown>;
/** pg honours a per-query `query_timeout`; its type definitions don't list it. */
type PgQuery = pg.QueryConfig & { query_timeout?: number };

const REWRITE_CACHE_SIZE = 1000;
/** Client-side backstop over the server's statement_timeout, for a silent network. */
const CLIENT_TIMEOUT_GRACE_MS = 2000;
const INT8_OID = 20;
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * BIGINT (counts, millisecond timestamps) as a number when it fits, a bigint when it does not,
 * never the string pg returns by default.
 */
function parseInt8(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? parseInt8
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * PostgreSQL through a pg Pool. Statements use unnamed prepared statements (extended protocol):
 * named ones would pin one plan per SQL text per connection with no bound, and break with
 * "cached plan must not change result type" after another node migrates the schema.
 */
export class PostgresDb implements SqlDb {
  readonly dialect = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #sql = new BoundedCache<string, string>(REWRITE_CACHE_SIZE);
  readonly #timeoutMs: number;
  #closed = false;

  constructor(cfg: PostgresConfig) {
    if (cfg.schema !== undefined && !SCHEMA_NAME.test(cfg.schema)) {
      throw new Error(`invalid PostgreSQL schema name: ${JSON.stringify(cfg.schema)}`);
    }
    this.#timeoutMs = cfg.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
    this.#pool = new pg.Pool({
      connectionString: cfg.url,
      max: cfg.poolSize ?? 10,
      connectionTimeoutMillis: this.#timeoutMs,
      statement_timeout: this.#timeoutMs,
      keepAlive: true,
      options: cfg.schema ? `-c search_path=${cfg.schema}` : undefined,
      types,
    });
    const onError = cfg.onError ?? (() => {});
    // Without a listener an idle connection's error (server restart) would crash the process.
    this.#pool.on('error', onError);
  }

  async query<T = Row>(sql: string, params?: unknown[]): Promise<T[]> {
    this.#check();
    const res = await this.#pool.query(this.#config(sql, params, this.#timeoutMs));
    return res.rows as T[];
  }

  async run(sql: string, params?: unknown[]): Promise<{ changes: number }> {
    this.#check();
    const res = await this.#pool.query(this.#config(sql, params, this.#timeoutMs));
    return { changes: res.rowCount ?? 0 };
  }

  async exec(script: string): Promise<void> {
    this.#check();
    // No values: the simple protocol, which accepts several statements.
    await this.#pool.query(this.#script(script, this.#timeoutMs));
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  async transaction<T>(fn: (tx: SqlDb) => Promise<T>, opts?: TransactionOptions): Promise<T> {
    this.#check();
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    try {
      const timeoutMs = opts?.statementTimeoutMs ?? this.#timeoutMs;
      const exec = this.#executor(client, timeoutMs);
      await exec.exec('BEGIN');
      if (opts?.statementTimeoutMs !== undefined) {
        await exec.exec(`SET LOCAL statement_timeout = ${Math.max(0, Math.trunc(timeoutMs))}`);
      }
      const tx = new ScopedTx('postgres', exec);
      try {
        const result = await fn(tx);
        tx.end();
        await exec.exec('COMMIT');
        return result;
      } catch (err) {
        tx.end();
        await exec.exec('ROLLBACK').catch((rollbackErr: Error) => {
          broken = rollbackErr;
        });
        throw err;
      }
    } catch (err) {
      // A failed BEGIN/COMMIT may leave the connection in an unknown state: don't reuse it.
      broken ??= isConnectionError(err) ? (err as Error) : undefined;
      throw err;
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }

  #executor(client: pg.PoolClient, timeoutMs: number): TxExecutor {
    return {
      all: async (sql, params) => (await client.query(this.#config(sql, params, timeoutMs))).rows,
      run: async (sql, params) => ({
        changes: (await client.query(this.#config(sql, params, timeoutMs))).rowCount ?? 0,
      }),
      exec: async (script) => {
        await client.query(this.#script(script, timeoutMs));
      },
    };
  }

  #config(sql: string, params: unknown[] | undefined, timeoutMs: number): PgQuery {
    return {
      text: this.#sql.getOrCreate(sql, rewritePlaceholders),
      values: params ?? [],
      query_timeout: this.#clientTimeout(timeoutMs),
    };
  }

  #script(script: string, timeoutMs: number): PgQuery {
    return { text: script, query_timeout: this.#clientTimeout(timeoutMs) };
  }

  /** 0 (no statement timeout) disables the client-side one too. */
  #clientTimeout(timeoutMs: number): number | undefined {
    return timeoutMs > 0 ? timeoutMs + CLIENT_TIMEOUT_GRACE_MS : undefined;
  }

  #check(): void {
    if (this.#closed) throw new Error('database is closed');
  }
}

/** Errors without a SQLSTATE come from the client or the socket, not from the server. */
function isConnectionError(err: unknown): boolean {
  return !(
    err instanceof Error &&
    'code' in err &&
    typeof err.code === 'string' &&
    /^[0-9A-Z]{5}$/.test(err.code)
  );
}

import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { BoundedCache } from './bounded-cache.ts';
import { ensurePrivateSqliteFiles } from './private-files.ts';
import { ScopedTx, type TxExecutor } from './scoped-tx.ts';
import { SerialLock } from './serial-lock.ts';
import type { SqlDb, SqliteConfig } from './sql-db.ts';

type Row = Record<string, unknown>;

const STATEMENT_CACHE_SIZE = 256;

/**
 * SQLite through better-sqlite3's synchronous API on one connection. A statement outside a
 * transaction runs at once (it cannot interleave: it is synchronous); a transaction holds a
 * SerialLock across its awaits so that nothing else runs on the connection until it ends.
 */
export class SqliteDb implements SqlDb {
  readonly dialect = 'sqlite' as const;
  readonly #conn: Database.Database;
  readonly #lock = new SerialLock();
  readonly #statements = new BoundedCache<string, Database.Statement>(STATEMENT_CACHE_SIZE);
  /** Marks async work running inside one of this db's transactions, to catch self-deadlock. */
  readonly #inTransaction: AsyncLocalStorage<{ active: boolean }> | undefined;
  readonly #executor: TxExecutor;
  readonly #busyTimeoutMs: number;
  #closed = false;

  constructor(cfg: SqliteConfig) {
    this.#busyTimeoutMs = cfg.busyTimeoutMs ?? 5000;
    this.#inTransaction = cfg.detectMisuse ? new AsyncLocalStorage() : undefined;
    // 0600 for the database and its -wal/-shm: accounts and messages (issue 10).
    ensurePrivateSqliteFiles(cfg.path);
    this.#conn = new Database(cfg.path);
    try {
      // WAL: readers don't block the writer, and a commit is one append (sqlite.org/wal.html).
      this.#conn.pragma('journal_mode = WAL');
      this.#conn.pragma(`synchronous = ${cfg.durability === 'full' ? 'FULL' : 'NORMAL'}`);
      // SQLite's own busy_timeout sleeps inside the synchronous call, blocking the event loop
      // (and, with another connection of this process holding the lock, waiting for nothing):
      // fail at once and retry asynchronously instead (#retryBusy).
      this.#conn.pragma('busy_timeout = 0');
      this.#conn.pragma('foreign_keys = ON');
    } catch (err) {
      this.#conn.close();
      throw err;
    }
    this.#executor = {
      all: async (sql, params) => this.#all(sql, params),
      run: async (sql, params) => this.#run(sql, params),
      exec: async (script) => void this.#conn.exec(script),
    };
  }

  query<T = Row>(sql: string, params?: unknown[]): Promise<T[]> {
    return this.#outside(() => this.#all(sql, params) as T[]);
  }

  run(sql: string, params?: unknown[]): Promise<{ changes: number }> {
    return this.#outside(() => this.#run(sql, params));
  }

  exec(script: string): Promise<void> {
    return this.#outside(() => void this.#conn.exec(script));
  }

  ping(): Promise<void> {
    return this.#outside(() => void this.#all('SELECT 1', undefined));
  }

  transaction<T>(fn: (tx: SqlDb) => Promise<T>): Promise<T> {
    const misuse = this.#misuse();
    if (misuse) return Promise.reject(misuse);
    return this.#lock.run(async () => {
      if (this.#closed) throw new Error('database is closed');
      const scope = { active: true };
      const tx = new ScopedTx('sqlite', this.#executor);
      // IMMEDIATE takes the write lock now, so a second process can't make us fail mid-way
      // with SQLITE_BUSY when a read transaction tries to upgrade.
      await this.#retryBusy(() => this.#conn.exec('BEGIN IMMEDIATE'));
      try {
        const als = this.#inTransaction;
        const result = await (als ? als.run(scope, () => fn(tx)) : fn(tx));
        tx.end();
        this.#conn.exec('COMMIT');
        return result;
      } catch (err) {
        tx.end();
        if (this.#conn.inTransaction) this.#conn.exec('ROLLBACK');
        throw err;
      } finally {
        scope.active = false;
      }
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#lock.run(() => {
      if (this.#closed) return;
      this.#closed = true;
      this.#conn.close();
    });
  }

  #outside<T>(op: () => T): Promise<T> {
    const misuse = this.#misuse();
    if (misuse) return Promise.reject(misuse);
    const guarded = () => {
      if (this.#closed) throw new Error('database is closed');
      return op();
    };
    if (!this.#lock.idle) return this.#lock.run(() => this.#retryBusy(guarded));
    try {
      return Promise.resolve(guarded());
    } catch (err) {
      return isBusy(err) ? this.#retryBusy(guarded) : Promise.reject(err);
    }
  }

  /** Retries `op` while another connection holds the write lock, up to busyTimeoutMs. */
  async #retryBusy<T>(op: () => T): Promise<T> {
    const deadline = Date.now() + this.#busyTimeoutMs;
    for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
      try {
        return op();
      } catch (err) {
        const left = deadline - Date.now();
        if (!isBusy(err) || left <= 0) throw err;
        await sleep(Math.min(wait, left));
      }
    }
  }

  #misuse(): Error | undefined {
    if (this.#inTransaction?.getStore()?.active) {
      return new Error('database used inside its own transaction: use the tx argument instead');
    }
    return undefined;
  }

  #statement(sql: string): Database.Statement {
    return this.#statements.getOrCreate(sql, (text) => this.#conn.prepare(text));
  }

  #all(sql: string, params: unknown[] | undefined): Row[] {
    const stmt = this.#statement(sql);
    const values = bindable(params);
    if (stmt.reader) return stmt.all(...values) as Row[];
    stmt.run(...values);
    return [];
  }

  #run(sql: string, params: unknown[] | undefined): { changes: number } {
    const info = this.#statement(sql).run(...bindable(params));
    return { changes: info.changes };
  }
}

function isBusy(err: unknown): boolean {
  return err instanceof Database.SqliteError && err.code === 'SQLITE_BUSY';
}

/** better-sqlite3 refuses booleans and undefined: bind them the way PostgreSQL stores them. */
function bindable(params: unknown[] | undefined): unknown[] {
  if (!params) return [];
  return params.map((p) => (p === undefined ? null : typeof p === 'boolean' ? Number(p) : p));
}

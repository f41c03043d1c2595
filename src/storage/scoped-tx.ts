import type { SqlDb, SqlDialect } from './sql-db.ts';

/** What a driver offers a transaction: statements on the one connection holding it. */
export interface TxExecutor {
  all(sql: string, params: unknown[] | undefined): Promise<Record<string, unknown>[]>;
  run(sql: string, params: unknown[] | undefined): Promise<{ changes: number }>;
  exec(script: string): Promise<void>;
}

/**
 * The `tx` handed to a transaction callback. It stops working when its transaction ends, so a
 * statement leaked past the end (a floating promise) fails loudly instead of running outside it.
 */
export class ScopedTx implements SqlDb {
  readonly dialect: SqlDialect;
  readonly #exec: TxExecutor;
  readonly #depth: number;
  #active = true;

  constructor(dialect: SqlDialect, exec: TxExecutor, depth = 0) {
    this.dialect = dialect;
    this.#exec = exec;
    this.#depth = depth;
  }

  /** Called by the driver when the transaction commits or rolls back. */
  end(): void {
    this.#active = false;
  }

  async query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]> {
    this.#check();
    return (await this.#exec.all(sql, params)) as T[];
  }

  async run(sql: string, params?: unknown[]): Promise<{ changes: number }> {
    this.#check();
    return this.#exec.run(sql, params);
  }

  async exec(script: string): Promise<void> {
    this.#check();
    return this.#exec.exec(script);
  }

  /**
   * A nested transaction is a savepoint: its failure rolls back only its own work. Await it
   * before using the outer `tx` again; two sibling savepoints must not run concurrently.
   */
  async transaction<T>(fn: (tx: SqlDb) => Promise<T>): Promise<T> {
    this.#check();
    const name = `meerkat_sp_${this.#depth + 1}`;
    await this.#exec.exec(`SAVEPOINT ${name}`);
    const inner = new ScopedTx(this.dialect, this.#exec, this.#depth + 1);
    try {
      const result = await fn(inner);
      inner.end();
      await this.#exec.exec(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (err) {
      inner.end();
      await this.#exec.exec(`ROLLBACK TO SAVEPOINT ${name}; RELEASE SAVEPOINT ${name}`);
      throw err;
    }
  }

  async ping(): Promise<void> {
    this.#check();
    await this.#exec.all('SELECT 1', undefined);
  }

  async close(): Promise<void> {
    throw new Error('close() called on a transaction: close the database instead');
  }

  #check(): void {
    if (!this.#active) throw new Error('transaction already ended: statement issued on a stale tx');
  }
}

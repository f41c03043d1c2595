/**
 * Runs a test block once per storage backend, each on a fresh, private database:
 *
 *   eachBackend('OfflineStore', (db, backend) => {
 *     let store: OfflineStore;
 *     before(async () => { store = await createOfflineStore(db()); });
 *     test('keeps messages in order', async () => { ... });
 *   });
 *
 * defines `describe('OfflineStore [sqlite]')` and `describe('OfflineStore [postgres]')`.
 * - sqlite: a new file in a temporary directory, deleted afterwards.
 * - postgres: env MEERKAT_TEST_PG_URL (default below), in a new uniquely named schema (set as
 *   search_path) dropped afterwards, so test files can run in parallel on one server.
 * The database is opened in the block's `before` hook: call `db()` inside hooks and tests, not
 * while defining them. Tests of one block share it: give each test its own users/domains.
 * If PostgreSQL is unreachable the postgres block FAILS with the reason (it is never skipped):
 * start it with scripts/test-services.sh.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { type DatabaseConfig, openDatabase, type SqlDb } from '../../src/storage/index.ts';

export const DEFAULT_TEST_PG_URL = 'postgres://meerkat:meerkat@127.0.0.1:55432/meerkat';

export type TestBackendName = 'sqlite' | 'postgres';

export const TEST_BACKENDS: readonly TestBackendName[] = ['sqlite', 'postgres'];

export interface TestBackend {
  readonly name: TestBackendName;
  /** The block's database (valid between its before and after hooks). */
  db(): SqlDb;
  /**
   * Opens another handle on the same database (a second pool on PostgreSQL, a second connection
   * on SQLite), e.g. to act as another node. Closed automatically after the block.
   */
  openAnother(): Promise<SqlDb>;
}

export function testPgUrl(): string {
  return process.env.MEERKAT_TEST_PG_URL || DEFAULT_TEST_PG_URL;
}

export function eachBackend(
  title: string,
  fn: (db: () => SqlDb, backend: TestBackend) => void,
): void {
  for (const name of TEST_BACKENDS) {
    if (name === 'postgres') {
      // A failing before hook only marks the block's tests "cancelled": this test makes an
      // unreachable server count as a failure in the summary too.
      test(`${title} [postgres] server is reachable`, () => checkPostgres(testPgUrl()));
    }
    describe(`${title} [${name}]`, () => {
      let scratch: ScratchDatabase | undefined;
      const opened: SqlDb[] = [];
      const current = (): ScratchDatabase => {
        if (!scratch) throw new Error(`${name} test database is not open (call db() inside tests)`);
        return scratch;
      };
      const backend: TestBackend = {
        name,
        db: () => current().db,
        openAnother: async () => {
          const db = await openDatabase(current().config);
          opened.push(db);
          return db;
        },
      };
      before(async () => {
        scratch = await createScratchDatabase(name);
      });
      after(async () => {
        await Promise.all(opened.map((db) => db.close()));
        await scratch?.dispose();
      });
      fn(backend.db, backend);
    });
  }
}

export interface ScratchDatabase {
  readonly config: DatabaseConfig;
  readonly db: SqlDb;
  /** Closes `db` and deletes the database (file or schema). */
  dispose(): Promise<void>;
}

/** A fresh database outside of eachBackend (e.g. for a test server); dispose it when done. */
export async function createScratchDatabase(name: TestBackendName): Promise<ScratchDatabase> {
  return name === 'sqlite' ? scratchSqlite() : scratchPostgres();
}

async function scratchSqlite(): Promise<ScratchDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'meerkat-test-'));
  const config: DatabaseConfig = {
    backend: 'sqlite',
    path: join(dir, 'meerkat.sqlite'),
    detectMisuse: true,
  };
  try {
    const db = await openDatabase(config);
    return {
      config,
      db,
      dispose: async () => {
        await db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

async function scratchPostgres(): Promise<ScratchDatabase> {
  const url = testPgUrl();
  const schema = `meerkat_test_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  await withAdminClient(url, (c) => c.query(`CREATE SCHEMA ${schema}`));
  const config: DatabaseConfig = { backend: 'postgres', url, schema, poolSize: 4 };
  let db: SqlDb;
  try {
    db = await openDatabase(config);
  } catch (err) {
    await dropSchema(url, schema);
    throw err;
  }
  return {
    config,
    db,
    dispose: async () => {
      await db.close();
      await dropSchema(url, schema);
    },
  };
}

async function checkPostgres(url: string): Promise<void> {
  await withAdminClient(url, (c) => c.query('SELECT 1'));
}

function dropSchema(url: string, schema: string): Promise<unknown> {
  return withAdminClient(url, (c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
}

async function withAdminClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => {});
    throw new Error(
      `PostgreSQL for tests is unreachable at ${redact(url)} (${(err as Error).message}). ` +
        'Start it with scripts/test-services.sh, or point MEERKAT_TEST_PG_URL at a server.',
      { cause: err },
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

import { type Migration, migrate, type SqlDb } from '../storage/index.ts';
import { ACCOUNT_LIST_MAX_LIMIT, type AccountStore } from './account-store.ts';
import type { AccountSecrets, ScramCredentials } from './scram-credentials.ts';

/**
 * `COLLATE "C"` on PostgreSQL: list order and paging by code point as on SQLite (whose BINARY
 * collation compares UTF-8 bytes, the same order), whatever the database's locale.
 */
const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'create accounts',
    sqlite: `CREATE TABLE accounts (
      domain TEXT NOT NULL,
      username TEXT NOT NULL,
      sha1_salt BLOB NOT NULL,
      sha1_iterations INTEGER NOT NULL,
      sha1_stored_key BLOB NOT NULL,
      sha1_server_key BLOB NOT NULL,
      sha256_salt BLOB NOT NULL,
      sha256_iterations INTEGER NOT NULL,
      sha256_stored_key BLOB NOT NULL,
      sha256_server_key BLOB NOT NULL,
      created_at BIGINT NOT NULL,
      PRIMARY KEY (domain, username)
    )`,
    postgres: `CREATE TABLE accounts (
      domain TEXT COLLATE "C" NOT NULL,
      username TEXT COLLATE "C" NOT NULL,
      sha1_salt BYTEA NOT NULL,
      sha1_iterations INTEGER NOT NULL,
      sha1_stored_key BYTEA NOT NULL,
      sha1_server_key BYTEA NOT NULL,
      sha256_salt BYTEA NOT NULL,
      sha256_iterations INTEGER NOT NULL,
      sha256_stored_key BYTEA NOT NULL,
      sha256_server_key BYTEA NOT NULL,
      created_at BIGINT NOT NULL,
      PRIMARY KEY (domain, username)
    )`,
  },
];

const SECRET_COLUMNS = [
  'sha1_salt',
  'sha1_iterations',
  'sha1_stored_key',
  'sha1_server_key',
  'sha256_salt',
  'sha256_iterations',
  'sha256_stored_key',
  'sha256_server_key',
] as const;

type SecretsRow = Record<(typeof SECRET_COLUMNS)[number], unknown>;

/** Runs the 'accounts' migrations, then returns a store over `db` (either dialect). */
export async function createAccountStore(db: SqlDb): Promise<AccountStore> {
  await migrate(db, 'accounts', MIGRATIONS);
  return new SqlAccountStore(db);
}

class SqlAccountStore implements AccountStore {
  readonly #db: SqlDb;

  constructor(db: SqlDb) {
    this.#db = db;
  }

  async create(
    user: string,
    domain: string,
    secrets: AccountSecrets,
  ): Promise<'created' | 'exists'> {
    const { changes } = await this.#db.run(
      `INSERT INTO accounts (domain, username, ${SECRET_COLUMNS.join(', ')}, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (domain, username) DO NOTHING`,
      [domain, user, ...secretValues(secrets), Date.now()],
    );
    return changes === 1 ? 'created' : 'exists';
  }

  async getSecrets(user: string, domain: string): Promise<AccountSecrets | null> {
    const rows = await this.#db.query<SecretsRow>(
      `SELECT ${SECRET_COLUMNS.join(', ')} FROM accounts WHERE domain = ? AND username = ?`,
      [domain, user],
    );
    return rows.length === 0 ? null : secretsFromRow(rows[0]);
  }

  async setSecrets(user: string, domain: string, secrets: AccountSecrets): Promise<boolean> {
    const { changes } = await this.#db.run(
      `UPDATE accounts SET ${SECRET_COLUMNS.map((c) => `${c} = ?`).join(', ')}
       WHERE domain = ? AND username = ?`,
      [...secretValues(secrets), domain, user],
    );
    return changes > 0;
  }

  async remove(user: string, domain: string): Promise<boolean> {
    const { changes } = await this.#db.run(
      'DELETE FROM accounts WHERE domain = ? AND username = ?',
      [domain, user],
    );
    return changes > 0;
  }

  async exists(user: string, domain: string): Promise<boolean> {
    const rows = await this.#db.query(
      'SELECT 1 AS found FROM accounts WHERE domain = ? AND username = ?',
      [domain, user],
    );
    return rows.length > 0;
  }

  async list(domain: string, opts: { limit?: number; after?: string } = {}): Promise<string[]> {
    const limit = opts.limit ?? ACCOUNT_LIST_MAX_LIMIT;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > ACCOUNT_LIST_MAX_LIMIT) {
      throw new RangeError(`list limit must be an integer in 1..${ACCOUNT_LIST_MAX_LIMIT}`);
    }
    const rows =
      opts.after === undefined
        ? await this.#db.query<{ username: string }>(
            'SELECT username FROM accounts WHERE domain = ? ORDER BY username LIMIT ?',
            [domain, limit],
          )
        : await this.#db.query<{ username: string }>(
            'SELECT username FROM accounts WHERE domain = ? AND username > ? ORDER BY username LIMIT ?',
            [domain, opts.after, limit],
          );
    return rows.map((r) => r.username);
  }

  async count(domain: string): Promise<number> {
    const rows = await this.#db.query<{ n: number | bigint }>(
      'SELECT COUNT(*) AS n FROM accounts WHERE domain = ?',
      [domain],
    );
    return Number(rows[0].n);
  }
}

function secretValues(s: AccountSecrets): unknown[] {
  return [s.sha1, s.sha256].flatMap((c) => [c.salt, c.iterations, c.storedKey, c.serverKey]);
}

function secretsFromRow(row: SecretsRow): AccountSecrets {
  return {
    sha1: credentials(row.sha1_salt, row.sha1_iterations, row.sha1_stored_key, row.sha1_server_key),
    sha256: credentials(
      row.sha256_salt,
      row.sha256_iterations,
      row.sha256_stored_key,
      row.sha256_server_key,
    ),
  };
}

function credentials(
  salt: unknown,
  iterations: unknown,
  storedKey: unknown,
  serverKey: unknown,
): ScramCredentials {
  if (!Buffer.isBuffer(salt) || !Buffer.isBuffer(storedKey) || !Buffer.isBuffer(serverKey)) {
    throw new Error('accounts row holds a non-binary SCRAM secret');
  }
  return { salt, iterations: Number(iterations), storedKey, serverKey };
}

import { type Migration, migrate, type SqlDb } from '../../storage/index.ts';
import {
  type ItemUpdate,
  type PendingSubscription,
  RosterFullError,
  type RosterItem,
  type RosterStore,
  SUBSCRIPTIONS,
  type Subscription,
  type UpdateOutcome,
} from './roster-store.ts';

/** `COLLATE "C"` on PostgreSQL: code point order, as SQLite's BINARY collation. */
const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'create roster tables',
    sqlite: `CREATE TABLE roster_items (
      domain TEXT NOT NULL,
      username TEXT NOT NULL,
      contact TEXT NOT NULL,
      name TEXT,
      groups_json TEXT NOT NULL,
      subscription TEXT NOT NULL,
      ask_out INTEGER NOT NULL,
      PRIMARY KEY (domain, username, contact)
    );
    CREATE TABLE roster_versions (
      domain TEXT NOT NULL,
      username TEXT NOT NULL,
      version BIGINT NOT NULL,
      PRIMARY KEY (domain, username)
    );
    CREATE TABLE roster_pending_in (
      domain TEXT NOT NULL,
      username TEXT NOT NULL,
      contact TEXT NOT NULL,
      stanza TEXT NOT NULL,
      received_at BIGINT NOT NULL,
      PRIMARY KEY (domain, username, contact)
    )`,
    postgres: `CREATE TABLE roster_items (
      domain TEXT COLLATE "C" NOT NULL,
      username TEXT COLLATE "C" NOT NULL,
      contact TEXT COLLATE "C" NOT NULL,
      name TEXT,
      groups_json TEXT NOT NULL,
      subscription TEXT NOT NULL,
      ask_out INTEGER NOT NULL,
      PRIMARY KEY (domain, username, contact)
    );
    CREATE TABLE roster_versions (
      domain TEXT COLLATE "C" NOT NULL,
      username TEXT COLLATE "C" NOT NULL,
      version BIGINT NOT NULL,
      PRIMARY KEY (domain, username)
    );
    CREATE TABLE roster_pending_in (
      domain TEXT COLLATE "C" NOT NULL,
      username TEXT COLLATE "C" NOT NULL,
      contact TEXT COLLATE "C" NOT NULL,
      stanza TEXT NOT NULL,
      received_at BIGINT NOT NULL,
      PRIMARY KEY (domain, username, contact)
    )`,
  },
];

interface ItemRow {
  contact: string;
  name: string | null;
  groups_json: string;
  subscription: string;
  ask_out: number;
}

const ITEM_COLUMNS = 'contact, name, groups_json, subscription, ask_out';

/** Runs the 'roster' migrations, then returns a store over `db` (either dialect). */
export async function createRosterStore(db: SqlDb): Promise<RosterStore> {
  await migrate(db, 'roster', MIGRATIONS);
  return new SqlRosterStore(db);
}

class SqlRosterStore implements RosterStore {
  readonly #db: SqlDb;

  constructor(db: SqlDb) {
    this.#db = db;
  }

  async getRoster(user: string, domain: string) {
    return this.#db.transaction(async (tx) => {
      const rows = await tx.query<ItemRow>(
        `SELECT ${ITEM_COLUMNS} FROM roster_items WHERE domain = ? AND username = ? ORDER BY contact`,
        [domain, user],
      );
      return { version: await readVersion(tx, user, domain), items: rows.map(toItem) };
    });
  }

  getVersion(user: string, domain: string): Promise<number> {
    return readVersion(this.#db, user, domain);
  }

  async getItem(user: string, domain: string, contact: string) {
    return readItem(this.#db, user, domain, contact);
  }

  updateItem(
    user: string,
    domain: string,
    contact: string,
    update: ItemUpdate,
    opts: { maxItems: number },
  ): Promise<UpdateOutcome> {
    return this.#db.transaction(async (tx) => {
      // Lock the user's version row first: updates of one user run one at a time (PostgreSQL;
      // SQLite transactions are serialized anyway).
      await tx.run(
        `INSERT INTO roster_versions (domain, username, version) VALUES (?, ?, 0)
         ON CONFLICT (domain, username) DO NOTHING`,
        [domain, user],
      );
      const version = await readVersion(tx, user, domain, true);
      const before = await readItem(tx, user, domain, contact);
      const next = update(before);
      if (
        next === undefined ||
        (next === 'remove' && !before) ||
        (next !== 'remove' && sameItem(before, next))
      ) {
        return { before, after: before, changed: false, version };
      }
      if (next === 'remove') {
        await tx.run('DELETE FROM roster_items WHERE domain = ? AND username = ? AND contact = ?', [
          domain,
          user,
          contact,
        ]);
      } else {
        if (!before) await checkRoom(tx, user, domain, opts.maxItems);
        await writeItem(tx, user, domain, { ...next, jid: contact });
      }
      await tx.run('UPDATE roster_versions SET version = ? WHERE domain = ? AND username = ?', [
        version + 1,
        domain,
        user,
      ]);
      const after = next === 'remove' ? undefined : { ...next, jid: contact };
      return { before, after, changed: true, version: version + 1 };
    });
  }

  addPendingIn(
    user: string,
    domain: string,
    contact: string,
    stanza: string,
    opts: { max: number },
  ): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      const [row] = await tx.query<{ n: number | bigint }>(
        `SELECT COUNT(*) AS n FROM roster_pending_in
         WHERE domain = ? AND username = ? AND contact <> ?`,
        [domain, user, contact],
      );
      if (Number(row?.n ?? 0) >= opts.max) return false;
      await tx.run(
        `INSERT INTO roster_pending_in (domain, username, contact, stanza, received_at)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (domain, username, contact)
         DO UPDATE SET stanza = excluded.stanza, received_at = excluded.received_at`,
        [domain, user, contact, stanza, Date.now()],
      );
      return true;
    });
  }

  async removePendingIn(user: string, domain: string, contact: string): Promise<boolean> {
    const { changes } = await this.#db.run(
      'DELETE FROM roster_pending_in WHERE domain = ? AND username = ? AND contact = ?',
      [domain, user, contact],
    );
    return changes > 0;
  }

  async hasPendingIn(user: string, domain: string, contact: string): Promise<boolean> {
    const rows = await this.#db.query(
      'SELECT 1 AS one FROM roster_pending_in WHERE domain = ? AND username = ? AND contact = ?',
      [domain, user, contact],
    );
    return rows.length > 0;
  }

  async listPendingIn(user: string, domain: string): Promise<PendingSubscription[]> {
    const rows = await this.#db.query<{ contact: string; stanza: string; received_at: unknown }>(
      `SELECT contact, stanza, received_at FROM roster_pending_in
       WHERE domain = ? AND username = ? ORDER BY received_at, contact`,
      [domain, user],
    );
    return rows.map((r) => ({
      contact: r.contact,
      stanza: r.stanza,
      receivedAt: Number(r.received_at),
    }));
  }

  async removeUser(user: string, domain: string): Promise<void> {
    await this.#db.transaction(async (tx) => {
      for (const table of ['roster_items', 'roster_versions', 'roster_pending_in']) {
        await tx.run(`DELETE FROM ${table} WHERE domain = ? AND username = ?`, [domain, user]);
      }
    });
  }
}

async function readVersion(db: SqlDb, user: string, domain: string, lock = false) {
  const forUpdate = lock && db.dialect === 'postgres' ? ' FOR UPDATE' : '';
  const [row] = await db.query<{ version: number | bigint }>(
    `SELECT version FROM roster_versions WHERE domain = ? AND username = ?${forUpdate}`,
    [domain, user],
  );
  return row ? Number(row.version) : 0;
}

async function readItem(
  db: SqlDb,
  user: string,
  domain: string,
  contact: string,
): Promise<RosterItem | undefined> {
  const [row] = await db.query<ItemRow>(
    `SELECT ${ITEM_COLUMNS} FROM roster_items WHERE domain = ? AND username = ? AND contact = ?`,
    [domain, user, contact],
  );
  return row ? toItem(row) : undefined;
}

async function checkRoom(db: SqlDb, user: string, domain: string, max: number): Promise<void> {
  const [row] = await db.query<{ n: number | bigint }>(
    'SELECT COUNT(*) AS n FROM roster_items WHERE domain = ? AND username = ?',
    [domain, user],
  );
  if (Number(row?.n ?? 0) >= max) throw new RosterFullError(max);
}

async function writeItem(db: SqlDb, user: string, domain: string, item: RosterItem) {
  await db.run(
    `INSERT INTO roster_items (domain, username, ${ITEM_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (domain, username, contact) DO UPDATE SET name = excluded.name,
       groups_json = excluded.groups_json, subscription = excluded.subscription,
       ask_out = excluded.ask_out`,
    [
      domain,
      user,
      item.jid,
      item.name ?? null,
      JSON.stringify(item.groups),
      item.subscription,
      item.askOut ? 1 : 0,
    ],
  );
}

function toItem(r: ItemRow): RosterItem {
  const groups: unknown = JSON.parse(r.groups_json);
  const subscription = SUBSCRIPTIONS.includes(r.subscription as Subscription)
    ? (r.subscription as Subscription)
    : 'none';
  return {
    jid: r.contact,
    name: r.name ?? undefined,
    groups: Array.isArray(groups) ? groups.filter((g): g is string => typeof g === 'string') : [],
    subscription,
    askOut: Number(r.ask_out) === 1,
  };
}

function sameItem(a: RosterItem | undefined, b: RosterItem): boolean {
  if (!a) return false;
  return (
    a.name === b.name &&
    a.subscription === b.subscription &&
    a.askOut === b.askOut &&
    a.groups.length === b.groups.length &&
    a.groups.every((g, i) => g === b.groups[i])
  );
}

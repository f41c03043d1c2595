import { type Migration, migrate, type SqlDb } from '../../storage/index.ts';
import type { NodeConfig } from './node-config.ts';
import { normalizeConfig } from './node-config.ts';
import type { PepStore, PublishOutcome, StoredItem, StoredNode } from './pep-store.ts';

const C = (dialect: 'sqlite' | 'postgres') => (dialect === 'postgres' ? ' COLLATE "C"' : '');

function schema(dialect: 'sqlite' | 'postgres'): string {
  const c = C(dialect);
  return `CREATE TABLE pep_nodes (
      domain TEXT${c} NOT NULL,
      username TEXT${c} NOT NULL,
      node TEXT${c} NOT NULL,
      config TEXT NOT NULL,
      seq BIGINT NOT NULL,
      created_at BIGINT NOT NULL,
      PRIMARY KEY (domain, username, node)
    );
    CREATE TABLE pep_items (
      domain TEXT${c} NOT NULL,
      username TEXT${c} NOT NULL,
      node TEXT${c} NOT NULL,
      item_id TEXT${c} NOT NULL,
      seq BIGINT NOT NULL,
      payload TEXT NOT NULL,
      publisher TEXT NOT NULL,
      published_at BIGINT NOT NULL,
      PRIMARY KEY (domain, username, node, item_id)
    );
    CREATE INDEX pep_items_seq ON pep_items (domain, username, node, seq);
    CREATE TABLE pep_caps (
      ver TEXT${c} NOT NULL PRIMARY KEY,
      features TEXT NOT NULL,
      created_at BIGINT NOT NULL
    )`;
}

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'create pep_nodes, pep_items, pep_caps',
    sqlite: schema('sqlite'),
    postgres: schema('postgres'),
  },
];

/** Far above any node's item limit: LIMIT is required before OFFSET on SQLite. */
const ALL_ROWS = 1_000_000_000;

/** Runs the 'pep' migrations, then returns a store over `db` (either dialect). */
export async function createPepStore(db: SqlDb): Promise<PepStore> {
  await migrate(db, 'pep', MIGRATIONS);
  return new SqlPepStore(db);
}

interface ItemRow {
  item_id: string;
  payload: string;
  publisher: string;
  published_at: number | string;
}

const toItem = (r: ItemRow): StoredItem => ({
  id: r.item_id,
  payload: r.payload,
  publisher: r.publisher,
  publishedAt: Number(r.published_at),
});

function parseConfig(text: string): NodeConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    raw = undefined;
  }
  return normalizeConfig(raw);
}

class SqlPepStore implements PepStore {
  constructor(private readonly db: SqlDb) {}

  async getNode(user: string, domain: string, node: string): Promise<StoredNode | undefined> {
    const rows = await this.db.query<{ config: string }>(
      'SELECT config FROM pep_nodes WHERE domain = ? AND username = ? AND node = ?',
      [domain, user, node],
    );
    const row = rows[0];
    return row ? { node, config: parseConfig(row.config) } : undefined;
  }

  async listNodes(user: string, domain: string): Promise<StoredNode[]> {
    const rows = await this.db.query<{ node: string; config: string }>(
      'SELECT node, config FROM pep_nodes WHERE domain = ? AND username = ? ORDER BY node',
      [domain, user],
    );
    return rows.map((r) => ({ node: r.node, config: parseConfig(r.config) }));
  }

  createNode(
    user: string,
    domain: string,
    node: string,
    config: NodeConfig,
    maxNodes: number,
  ): Promise<'created' | 'exists' | 'limit'> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<{ node: string }>(
        'SELECT node FROM pep_nodes WHERE domain = ? AND username = ?',
        [domain, user],
      );
      if (rows.some((r) => r.node === node)) return 'exists';
      if (rows.length >= maxNodes) return 'limit';
      const r = await tx.run(
        `INSERT INTO pep_nodes (domain, username, node, config, seq, created_at)
         VALUES (?, ?, ?, ?, 0, ?) ON CONFLICT (domain, username, node) DO NOTHING`,
        [domain, user, node, JSON.stringify(config), Date.now()],
      );
      return r.changes === 1 ? 'created' : 'exists';
    });
  }

  async setConfig(
    user: string,
    domain: string,
    node: string,
    config: NodeConfig,
  ): Promise<boolean> {
    const r = await this.db.run(
      'UPDATE pep_nodes SET config = ? WHERE domain = ? AND username = ? AND node = ?',
      [JSON.stringify(config), domain, user, node],
    );
    return r.changes === 1;
  }

  deleteNode(user: string, domain: string, node: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM pep_items WHERE domain = ? AND username = ? AND node = ?', [
        domain,
        user,
        node,
      ]);
      const r = await tx.run(
        'DELETE FROM pep_nodes WHERE domain = ? AND username = ? AND node = ?',
        [domain, user, node],
      );
      return r.changes === 1;
    });
  }

  publish(
    user: string,
    domain: string,
    node: string,
    item: StoredItem,
    keep: number,
  ): Promise<PublishOutcome> {
    return this.db.transaction(async (tx) => {
      // The UPDATE takes the node's row lock (PostgreSQL): publishes to one node are serialized.
      const bumped = await tx.run(
        'UPDATE pep_nodes SET seq = seq + 1 WHERE domain = ? AND username = ? AND node = ?',
        [domain, user, node],
      );
      if (bumped.changes !== 1) throw new Error(`PEP node ${node} does not exist`);
      const seqRows = await tx.query<{ seq: number | string }>(
        'SELECT seq FROM pep_nodes WHERE domain = ? AND username = ? AND node = ?',
        [domain, user, node],
      );
      const seq = Number(seqRows[0]!.seq);
      await tx.run(
        `INSERT INTO pep_items (domain, username, node, item_id, seq, payload, publisher, published_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (domain, username, node, item_id) DO UPDATE SET seq = excluded.seq,
           payload = excluded.payload, publisher = excluded.publisher,
           published_at = excluded.published_at`,
        [domain, user, node, item.id, seq, item.payload, item.publisher, item.publishedAt],
      );
      return { removed: await trimIn(tx, user, domain, node, keep) };
    });
  }

  async getItems(
    user: string,
    domain: string,
    node: string,
    opts: { ids?: readonly string[]; max?: number } = {},
  ): Promise<StoredItem[]> {
    const base =
      'SELECT item_id, payload, publisher, published_at FROM pep_items WHERE domain = ? AND username = ? AND node = ?';
    if (opts.ids) {
      if (opts.ids.length === 0) return [];
      const marks = opts.ids.map(() => '?').join(', ');
      const rows = await this.db.query<ItemRow>(`${base} AND item_id IN (${marks}) ORDER BY seq`, [
        domain,
        user,
        node,
        ...opts.ids,
      ]);
      return rows.map(toItem);
    }
    const limit = opts.max ?? ALL_ROWS;
    const rows = await this.db.query<ItemRow>(`${base} ORDER BY seq DESC LIMIT ?`, [
      domain,
      user,
      node,
      limit,
    ]);
    return rows.map(toItem).reverse();
  }

  async lastItems(user: string, domain: string): Promise<{ node: string; item: StoredItem }[]> {
    const rows = await this.db.query<ItemRow & { node: string }>(
      `SELECT i.node, i.item_id, i.payload, i.publisher, i.published_at
       FROM pep_items i JOIN (
         SELECT node, MAX(seq) AS seq FROM pep_items WHERE domain = ? AND username = ? GROUP BY node
       ) m ON i.node = m.node AND i.seq = m.seq
       WHERE i.domain = ? AND i.username = ? ORDER BY i.node`,
      [domain, user, domain, user],
    );
    return rows.map((r) => ({ node: r.node, item: toItem(r) }));
  }

  async retract(user: string, domain: string, node: string, id: string): Promise<boolean> {
    const r = await this.db.run(
      'DELETE FROM pep_items WHERE domain = ? AND username = ? AND node = ? AND item_id = ?',
      [domain, user, node, id],
    );
    return r.changes === 1;
  }

  async purge(user: string, domain: string, node: string): Promise<number> {
    const r = await this.db.run(
      'DELETE FROM pep_items WHERE domain = ? AND username = ? AND node = ?',
      [domain, user, node],
    );
    return r.changes;
  }

  async trim(user: string, domain: string, node: string, keep: number): Promise<number> {
    return (await this.db.transaction((tx) => trimIn(tx, user, domain, node, keep))).length;
  }

  removeUser(user: string, domain: string): Promise<number> {
    return this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM pep_items WHERE domain = ? AND username = ?', [domain, user]);
      const r = await tx.run('DELETE FROM pep_nodes WHERE domain = ? AND username = ?', [
        domain,
        user,
      ]);
      return r.changes;
    });
  }

  async getCaps(key: string): Promise<string[] | undefined> {
    const rows = await this.db.query<{ features: string }>(
      'SELECT features FROM pep_caps WHERE ver = ?',
      [key],
    );
    const row = rows[0];
    if (!row) return undefined;
    const parsed: unknown = JSON.parse(row.features);
    return Array.isArray(parsed) ? parsed.filter((f): f is string => typeof f === 'string') : [];
  }

  async putCaps(key: string, features: readonly string[]): Promise<void> {
    await this.db.run(
      'INSERT INTO pep_caps (ver, features, created_at) VALUES (?, ?, ?) ON CONFLICT (ver) DO NOTHING',
      [key, JSON.stringify(features), Date.now()],
    );
  }
}

/** Deletes the oldest items of a node beyond `keep`; returns their ids, oldest first. */
async function trimIn(
  tx: SqlDb,
  user: string,
  domain: string,
  node: string,
  keep: number,
): Promise<string[]> {
  const old = await tx.query<{ item_id: string }>(
    `SELECT item_id FROM pep_items WHERE domain = ? AND username = ? AND node = ?
     ORDER BY seq DESC LIMIT ? OFFSET ?`,
    [domain, user, node, ALL_ROWS, keep],
  );
  for (const { item_id } of old) {
    await tx.run(
      'DELETE FROM pep_items WHERE domain = ? AND username = ? AND node = ? AND item_id = ?',
      [domain, user, node, item_id],
    );
  }
  return old.map((r) => r.item_id).reverse();
}

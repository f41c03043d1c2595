import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { type Migration, migrate, type SqlDb } from '../../storage/index.ts';
import type { BlobStore, UploadMetaStore, UploadRecord } from './upload-store.ts';

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'create upload_files, upload_chunks, upload_secret',
    sqlite: `CREATE TABLE upload_files (
      id TEXT PRIMARY KEY,
      owner TEXT NOT NULL,
      filename TEXT NOT NULL,
      size BIGINT NOT NULL,
      content_type TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      put_deadline BIGINT NOT NULL,
      expires_at BIGINT NOT NULL,
      state INTEGER NOT NULL
    );
    CREATE INDEX upload_files_owner ON upload_files (owner, created_at);
    CREATE INDEX upload_files_expiry ON upload_files (expires_at);
    CREATE TABLE upload_chunks (
      file_id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      data BLOB NOT NULL,
      PRIMARY KEY (file_id, seq)
    );
    CREATE TABLE upload_secret (id INTEGER PRIMARY KEY, secret BLOB NOT NULL)`,
    postgres: `CREATE TABLE upload_files (
      id TEXT COLLATE "C" PRIMARY KEY,
      owner TEXT COLLATE "C" NOT NULL,
      filename TEXT NOT NULL,
      size BIGINT NOT NULL,
      content_type TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      put_deadline BIGINT NOT NULL,
      expires_at BIGINT NOT NULL,
      state INTEGER NOT NULL
    );
    CREATE INDEX upload_files_owner ON upload_files (owner, created_at);
    CREATE INDEX upload_files_expiry ON upload_files (expires_at);
    CREATE TABLE upload_chunks (
      file_id TEXT COLLATE "C" NOT NULL,
      seq INTEGER NOT NULL,
      data BYTEA NOT NULL,
      PRIMARY KEY (file_id, seq)
    );
    CREATE TABLE upload_secret (id INTEGER PRIMARY KEY, secret BYTEA NOT NULL)`,
  },
];

/**
 * Bytes per row of upload_chunks. Part of the stored format (every chunk but a file's last one
 * has exactly this size, so a byte offset maps to a row): never change it.
 */
export const CHUNK_BYTES = 256 * 1024;

const STATES: UploadRecord['state'][] = ['slot', 'uploading', 'complete'];

interface Row {
  id: string;
  owner: string;
  filename: string;
  size: number | bigint;
  content_type: string;
  created_at: number | bigint;
  put_deadline: number | bigint;
  expires_at: number | bigint;
  state: number;
}

/** Runs the 'http_upload' migrations and returns the metadata store over `db` (either dialect). */
export async function createUploadMetaStore(db: SqlDb): Promise<UploadMetaStore> {
  await migrate(db, 'http_upload', MIGRATIONS);
  return new SqlUploadMetaStore(db);
}

/** File bytes as rows of upload_chunks: any node of a cluster on one PostgreSQL serves any file. */
export async function createSqlBlobStore(db: SqlDb): Promise<BlobStore> {
  await migrate(db, 'http_upload', MIGRATIONS);
  return new SqlBlobStore(db);
}

class SqlUploadMetaStore implements UploadMetaStore {
  constructor(private readonly db: SqlDb) {}

  async insert(r: UploadRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO upload_files
         (id, owner, filename, size, content_type, created_at, put_deadline, expires_at, state)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        r.id,
        r.owner,
        r.filename,
        r.size,
        r.contentType,
        r.createdAt,
        r.putDeadline,
        r.expiresAt,
        STATES.indexOf(r.state),
      ],
    );
  }

  async get(id: string): Promise<UploadRecord | undefined> {
    const [row] = await this.db.query<Row>('SELECT * FROM upload_files WHERE id = ?', [id]);
    return row ? fromRow(row) : undefined;
  }

  async transition(
    id: string,
    from: UploadRecord['state'],
    to: UploadRecord['state'],
  ): Promise<boolean> {
    const { changes } = await this.db.run(
      'UPDATE upload_files SET state = ? WHERE id = ? AND state = ?',
      [STATES.indexOf(to), id, STATES.indexOf(from)],
    );
    return changes === 1;
  }

  async usage(owner: string): Promise<number> {
    const [row] = await this.db.query<{ total: number | bigint | string | null }>(
      'SELECT SUM(size) AS total FROM upload_files WHERE owner = ?',
      [owner],
    );
    return Number(row?.total ?? 0);
  }

  async createdSince(owner: string, since: number): Promise<{ at: number; size: number }[]> {
    const rows = await this.db.query<{ at: number | bigint; size: number | bigint }>(
      `SELECT created_at AS at, size FROM upload_files WHERE owner = ? AND created_at >= ?
       ORDER BY created_at`,
      [owner, since],
    );
    return rows.map((r) => ({ at: Number(r.at), size: Number(r.size) }));
  }

  async expiries(owner: string): Promise<{ at: number; size: number }[]> {
    const rows = await this.db.query<{ at: number | bigint; size: number | bigint }>(
      `SELECT CASE WHEN state = 2 THEN expires_at ELSE put_deadline END AS at, size
       FROM upload_files WHERE owner = ? ORDER BY at`,
      [owner],
    );
    return rows.map((r) => ({ at: Number(r.at), size: Number(r.size) }));
  }

  async purgeable(now: number, staleMs: number, limit: number): Promise<string[]> {
    const rows = await this.db.query<{ id: string }>(
      `SELECT id FROM upload_files
       WHERE expires_at <= ? OR (state = 0 AND put_deadline <= ?)
          OR (state = 1 AND put_deadline <= ?)
       LIMIT ?`,
      [now, now, now - staleMs, limit],
    );
    return rows.map((r) => r.id);
  }

  async remove(id: string): Promise<void> {
    await this.db.run('DELETE FROM upload_files WHERE id = ?', [id]);
  }

  async expireOwner(owner: string, now: number): Promise<number> {
    const { changes } = await this.db.run(
      'UPDATE upload_files SET expires_at = ? WHERE owner = ? AND expires_at > ?',
      [now, owner, now],
    );
    return changes;
  }

  async secret(): Promise<Buffer> {
    // Every node proposes a key; the first insert wins and all of them read the same one.
    await this.db.run(
      'INSERT INTO upload_secret (id, secret) VALUES (1, ?) ON CONFLICT (id) DO NOTHING',
      [randomBytes(32)],
    );
    const [row] = await this.db.query<{ secret: Buffer }>(
      'SELECT secret FROM upload_secret WHERE id = 1',
    );
    if (!row) throw new Error('upload_secret has no key');
    return Buffer.from(row.secret);
  }
}

function fromRow(r: Row): UploadRecord {
  return {
    id: r.id,
    owner: r.owner,
    filename: r.filename,
    size: Number(r.size),
    contentType: r.content_type,
    createdAt: Number(r.created_at),
    putDeadline: Number(r.put_deadline),
    expiresAt: Number(r.expires_at),
    state: STATES[r.state] ?? 'slot',
  };
}

class SqlBlobStore implements BlobStore {
  readonly kind = 'database';

  constructor(private readonly db: SqlDb) {}

  async put(id: string, body: Readable, size: number): Promise<void> {
    let seq = 0;
    let total = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async (all: boolean) => {
      while (pendingBytes >= CHUNK_BYTES || (all && pendingBytes > 0)) {
        const joined = Buffer.concat(pending, pendingBytes);
        const chunk = joined.subarray(0, CHUNK_BYTES);
        const rest = joined.subarray(chunk.length);
        pending = rest.length > 0 ? [rest] : [];
        pendingBytes = rest.length;
        await this.db.run('INSERT INTO upload_chunks (file_id, seq, data) VALUES (?, ?, ?)', [
          id,
          seq++,
          Buffer.from(chunk),
        ]);
      }
    };
    try {
      // Async iteration pulls the next piece only after the previous insert: the socket is
      // paused meanwhile, so a fast client cannot fill memory ahead of the database.
      for await (const piece of body as AsyncIterable<Buffer>) {
        total += piece.length;
        if (total > size) throw new Error(`body longer than ${size} bytes`);
        pending.push(piece);
        pendingBytes += piece.length;
        await flush(false);
      }
      if (total !== size) throw new Error(`body of ${total} bytes, expected ${size}`);
      await flush(true);
    } catch (err) {
      await this.remove(id);
      throw err;
    }
  }

  read(id: string, start: number, end: number): Readable {
    const db = this.db;
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let seq = Math.floor(start / CHUNK_BYTES); seq * CHUNK_BYTES <= end; seq++) {
        const [row] = await db.query<{ data: Buffer }>(
          'SELECT data FROM upload_chunks WHERE file_id = ? AND seq = ?',
          [id, seq],
        );
        if (!row) throw new Error(`upload ${id} has no chunk ${seq}`);
        const base = seq * CHUNK_BYTES;
        const from = Math.max(start - base, 0);
        const to = Math.min(end - base + 1, row.data.length);
        yield Buffer.from(row.data.subarray(from, to));
      }
    }
    return Readable.from(chunks(), { objectMode: false });
  }

  async remove(id: string): Promise<void> {
    await this.db.run('DELETE FROM upload_chunks WHERE file_id = ?', [id]);
  }
}

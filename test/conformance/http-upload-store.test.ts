import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { createFsBlobStore } from '../../src/modules/http-upload/blob-store.fs.ts';
import { newUploadId } from '../../src/modules/http-upload/slot.ts';
import {
  CHUNK_BYTES,
  createSqlBlobStore,
  createUploadMetaStore,
} from '../../src/modules/http-upload/upload-store.sql.ts';
import type {
  BlobStore,
  UploadMetaStore,
  UploadRecord,
} from '../../src/modules/http-upload/upload-store.ts';
import type { SqlDb } from '../../src/storage/index.ts';
import { eachBackend } from '../support/databases.ts';

async function collect(r: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of r) parts.push(p as Buffer);
  return Buffer.concat(parts);
}

/** A body delivered in uneven pieces, as a socket would. */
function body(bytes: Buffer, piece = 7777): Readable {
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += piece) pieces.push(bytes.subarray(i, i + piece));
  return Readable.from(pieces);
}

/** The same behaviour from every BlobStore backend. */
function blobSuite(store: () => BlobStore): void {
  test('stores exactly the bytes and reads any range of them', async () => {
    const bytes = randomBytes(2 * CHUNK_BYTES + 1234);
    const id = newUploadId();
    await store().put(id, body(bytes), bytes.length);
    assert.deepEqual(await collect(store().read(id, 0, bytes.length - 1)), bytes);
    for (const [a, b] of [
      [0, 0],
      [CHUNK_BYTES - 1, CHUNK_BYTES],
      [CHUNK_BYTES + 5, 2 * CHUNK_BYTES + 100],
      [bytes.length - 1, bytes.length - 1],
    ] as const) {
      assert.deepEqual(
        await collect(store().read(id, a, b)),
        bytes.subarray(a, b + 1),
        `${a}-${b}`,
      );
    }
  });

  test('a body shorter or longer than announced is refused and leaves nothing', async () => {
    const bytes = randomBytes(5000);
    const short = newUploadId();
    await assert.rejects(store().put(short, body(bytes), bytes.length + 1));
    await assert.rejects(collect(store().read(short, 0, 10)));
    const long = newUploadId();
    await assert.rejects(store().put(long, body(bytes), bytes.length - 1));
    await assert.rejects(collect(store().read(long, 0, 10)));
  });

  test('remove deletes a blob; removing a missing one is harmless', async () => {
    const id = newUploadId();
    await store().put(id, body(Buffer.from('hello')), 5);
    await store().remove(id);
    await assert.rejects(collect(store().read(id, 0, 4)));
    await store().remove(id);
  });
}

describe('BlobStore [filesystem]', () => {
  let dir: string;
  let store: BlobStore;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meerkat-upload-'));
    store = await createFsBlobStore(join(dir, 'upload'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  blobSuite(() => store);

  test('files are 0600 in a 0700 directory', async () => {
    const id = newUploadId();
    await store.put(id, body(Buffer.from('x')), 1);
    assert.equal((await stat(join(dir, 'upload'))).mode & 0o777, 0o700);
    assert.equal((await stat(join(dir, 'upload', id))).mode & 0o777, 0o600);
  });
});

const record = (owner: string, over: Partial<UploadRecord> = {}): UploadRecord => ({
  id: newUploadId(),
  owner,
  filename: 'photo é.jpg',
  size: 1000,
  contentType: 'image/jpeg',
  createdAt: 1_000_000,
  putDeadline: 1_060_000,
  expiresAt: 9_000_000,
  state: 'slot',
  ...over,
});

eachBackend('UploadMetaStore + BlobStore [database]', (db, backend) => {
  let meta: UploadMetaStore;
  let blobs: BlobStore;
  before(async () => {
    meta = await createUploadMetaStore(db());
    blobs = await createSqlBlobStore(db());
  });

  blobSuite(() => blobs);

  test('migrating twice is harmless', async () => {
    await createUploadMetaStore(db());
  });

  test('put pulls the body only as fast as chunks are written (backpressure)', async () => {
    // The database is held on the first chunk insert; meanwhile the source must not be drained.
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let inserts = 0;
    let firstInsert!: () => void;
    const started = new Promise<void>((r) => {
      firstInsert = r;
    });
    const inner = db();
    const gated: SqlDb = {
      dialect: inner.dialect,
      query: (sql, params) => inner.query(sql, params),
      run: async (sql, params) => {
        if (sql.startsWith('INSERT INTO upload_chunks') && inserts++ === 0) {
          firstInsert();
          await held;
        }
        return inner.run(sql, params);
      },
      exec: (script) => inner.exec(script),
      transaction: (fn, opts) => inner.transaction(fn, opts),
      ping: () => inner.ping(),
      close: async () => {},
    };
    const store = await createSqlBlobStore(gated);
    const total = 16 * 1024 * 1024;
    let pulled = 0;
    const source = new Readable({
      highWaterMark: 64 * 1024,
      read() {
        const n = Math.min(64 * 1024, total - pulled);
        pulled += n;
        this.push(n > 0 ? Buffer.alloc(n, 1) : null);
      },
    });
    const id = newUploadId();
    const done = store.put(id, source, total);
    await started;
    await new Promise((r) => setImmediate(r));
    assert.ok(pulled < 2 * CHUNK_BYTES, `read ${pulled} bytes ahead of a held database`);
    release();
    await done;
    assert.equal(pulled, total);
    const head = await collect(store.read(id, 0, 9));
    assert.deepEqual(head, Buffer.alloc(10, 1));
    await store.remove(id);
  });

  test('keeps a record with its fields', async () => {
    const r = record('fields@a.test');
    await meta.insert(r);
    assert.deepEqual(await meta.get(r.id), r);
    assert.equal(await meta.get('missing'), undefined);
  });

  test('a state transition happens once, even from two database handles', async () => {
    const r = record('race@a.test');
    await meta.insert(r);
    const other = await createUploadMetaStore(await backend.openAnother());
    const wins = await Promise.all([
      meta.transition(r.id, 'slot', 'uploading'),
      other.transition(r.id, 'slot', 'uploading'),
    ]);
    assert.deepEqual(wins.sort(), [false, true]);
    assert.equal((await meta.get(r.id))?.state, 'uploading');
  });

  test('usage, recent volume and expiries are per owner', async () => {
    await meta.insert(
      record('q@a.test', { size: 10, createdAt: 100, expiresAt: 5000, state: 'complete' }),
    );
    await meta.insert(record('q@a.test', { size: 20, createdAt: 200, putDeadline: 300 }));
    await meta.insert(record('other@a.test', { size: 999 }));
    assert.equal(await meta.usage('q@a.test'), 30);
    assert.equal(await meta.usage('nobody@a.test'), 0);
    assert.deepEqual(await meta.createdSince('q@a.test', 150), [{ at: 200, size: 20 }]);
    assert.deepEqual(await meta.expiries('q@a.test'), [
      { at: 300, size: 20 },
      { at: 5000, size: 10 },
    ]);
  });

  test('purgeable: expired files, unused slots past deadline, stale uploads; bounded', async () => {
    const owner = 'purge@a.test';
    const expired = record(owner, { state: 'complete', expiresAt: 50 });
    const unused = record(owner, { putDeadline: 60 });
    const stale = record(owner, { state: 'uploading', putDeadline: 10 });
    const running = record(owner, { state: 'uploading', putDeadline: 90 });
    const live = record(owner, { state: 'complete', expiresAt: 10_000_000 });
    for (const r of [expired, unused, stale, running, live]) await meta.insert(r);
    const found = await meta.purgeable(100, 50, 100);
    const mine = new Set([expired.id, unused.id, stale.id, running.id, live.id]);
    assert.deepEqual(
      found.filter((id) => mine.has(id)).sort(),
      [expired.id, unused.id, stale.id].sort(),
    );
    assert.equal((await meta.purgeable(100, 50, 1)).length, 1);
    for (const id of found) await meta.remove(id);
    assert.equal(await meta.get(expired.id), undefined);
  });

  test('expireOwner makes every record of the owner purgeable', async () => {
    const r = record('gone@a.test', { state: 'complete', expiresAt: 10_000_000 });
    await meta.insert(r);
    assert.equal(await meta.expireOwner('gone@a.test', 500), 1);
    assert.ok((await meta.purgeable(500, 0, 1000)).includes(r.id));
  });

  test('the PUT secret is created once and shared by every handle', async () => {
    const other = await createUploadMetaStore(await backend.openAnother());
    const [a, b] = await Promise.all([meta.secret(), other.secret()]);
    assert.equal(a.length, 32);
    assert.deepEqual(a, b);
    assert.deepEqual(await meta.secret(), a);
  });
});

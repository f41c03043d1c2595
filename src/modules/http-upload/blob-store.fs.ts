import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobStore } from './upload-store.ts';

/** Ids are base64url (the caller checks); anything else never reaches a path. */
const SAFE_ID = /^[A-Za-z0-9_-]{16,64}$/;

/**
 * Files in one directory (<data_dir>/upload by default), mode 0600 in a 0700 directory. On a
 * cluster every node must see the same directory (a shared volume); the SQL backend needs none.
 */
export async function createFsBlobStore(dir: string): Promise<BlobStore> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  return new FsBlobStore(dir);
}

class FsBlobStore implements BlobStore {
  readonly kind = 'filesystem';

  constructor(private readonly dir: string) {}

  private path(id: string): string {
    if (!SAFE_ID.test(id)) throw new Error('invalid upload id');
    return join(this.dir, id);
  }

  async put(id: string, body: Readable, size: number): Promise<void> {
    const final = this.path(id);
    const part = `${final}.part`;
    let total = 0;
    const counter = new Transform({
      transform(piece: Buffer, _enc, done) {
        total += piece.length;
        if (total > size) done(new Error(`body longer than ${size} bytes`));
        else done(null, piece);
      },
      flush(done) {
        done(total === size ? null : new Error(`body of ${total} bytes, expected ${size}`));
      },
    });
    try {
      // pipeline() pauses the request whenever the file stream's buffer is full (backpressure).
      await pipeline(body, counter, createWriteStream(part, { flags: 'wx', mode: 0o600 }));
      await rename(part, final);
    } catch (err) {
      await rm(part, { force: true });
      throw err;
    }
  }

  read(id: string, start: number, end: number): Readable {
    return createReadStream(this.path(id), { start, end });
  }

  async remove(id: string): Promise<void> {
    await rm(this.path(id), { force: true });
    await rm(`${this.path(id)}.part`, { force: true });
  }
}

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ARCHIVE_ID_LENGTH, ArchiveIds, archiveIdTime } from './archive-id.ts';

const T = 1_764_000_000_000;

describe('ArchiveIds', () => {
  test('ids are URL-safe, of fixed length, and start with their millisecond', () => {
    const id = new ArchiveIds().next(T);
    assert.equal(id.length, ARCHIVE_ID_LENGTH);
    assert.match(id, /^[A-Za-z0-9_-]+$/);
    assert.equal(archiveIdTime(id), T);
    assert.equal(archiveIdTime('not-one-of-ours'), undefined);
  });

  test('string order is creation order, within and across milliseconds', () => {
    const ids = new ArchiveIds();
    const made: string[] = [];
    for (let ms = 0; ms < 50; ms++) {
      for (let k = 0; k < 40; k++) made.push(ids.next(T + ms * 997));
    }
    // Byte order, as SQLite BINARY and PostgreSQL COLLATE "C" compare.
    const sorted = [...made].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    assert.deepEqual(sorted, made);
    assert.equal(new Set(made).size, made.length);
  });

  test('a full millisecond or a clock stepping back runs ahead instead of repeating', () => {
    const ids = new ArchiveIds();
    const made = Array.from({ length: 10_000 }, () => ids.next(T));
    made.push(ids.next(T - 5_000));
    assert.equal(new Set(made).size, made.length);
    for (let i = 1; i < made.length; i++) assert.ok((made[i - 1] ?? '') < (made[i] ?? ''));
    assert.ok((archiveIdTime(made.at(-1) ?? '') ?? 0) > T);
  });

  test('two generators (two cluster nodes) in the same millisecond do not collide', () => {
    const a = new ArchiveIds();
    const b = new ArchiveIds();
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      seen.add(a.next(T));
      seen.add(b.next(T));
    }
    assert.equal(seen.size, 4000);
  });

  test('the random part differs between ids of one millisecond', () => {
    const ids = new ArchiveIds();
    const tails = new Set(Array.from({ length: 500 }, () => ids.next(T).slice(10)));
    assert.equal(tails.size, 500);
  });
});

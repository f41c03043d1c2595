import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createOfflineStore } from '../../src/modules/offline/offline-store.sql.ts';
import type { OfflineStore } from '../../src/modules/offline/offline-store.ts';
import { eachBackend } from '../support/databases.ts';

const msg = (n: number) => ({
  from: `sender${n}@example.org/r`,
  createdAt: 1_700_000_000_000 + n,
  stanza: `<message to="u@localhost"><body>m${n} é ✓</body></message>`,
});

eachBackend('OfflineStore', (db) => {
  let store: OfflineStore;
  before(async () => {
    store = await createOfflineStore(db());
  });

  test('migrating twice is harmless', async () => {
    await createOfflineStore(db());
  });

  test('keeps messages in arrival order with their fields', async () => {
    for (const n of [1, 2, 3])
      assert.equal(await store.push('order', 'a.test', msg(n), 100), 'stored');
    const list = await store.list('order', 'a.test', { limit: 10 });
    assert.deepEqual(
      list.map((m) => [m.from, m.createdAt, m.stanza]),
      [1, 2, 3].map((n) => [msg(n).from, msg(n).createdAt, msg(n).stanza]),
    );
    assert.ok(list[0]!.id < list[1]!.id && list[1]!.id < list[2]!.id);
    assert.equal(typeof list[0]!.id, 'number');
  });

  test('pages with limit and afterId', async () => {
    for (const n of [1, 2, 3, 4, 5]) await store.push('pages', 'a.test', msg(n), 100);
    const first = await store.list('pages', 'a.test', { limit: 2 });
    assert.deepEqual(
      first.map((m) => m.createdAt),
      [msg(1).createdAt, msg(2).createdAt],
    );
    const next = await store.list('pages', 'a.test', { limit: 2, afterId: first[1]!.id });
    assert.deepEqual(
      next.map((m) => m.createdAt),
      [msg(3).createdAt, msg(4).createdAt],
    );
  });

  test('refuses beyond the cap and writes nothing', async () => {
    assert.equal(await store.push('capped', 'a.test', msg(1), 2), 'stored');
    assert.equal(await store.push('capped', 'a.test', msg(2), 2), 'stored');
    assert.equal(await store.push('capped', 'a.test', msg(3), 2), 'full');
    assert.equal(await store.count('capped', 'a.test'), 2);
    // Other users have their own quota.
    assert.equal(await store.push('capped2', 'a.test', msg(1), 2), 'stored');
  });

  test('users and domains are separate', async () => {
    await store.push('sep', 'a.test', msg(1), 100);
    await store.push('sep', 'b.test', msg(2), 100);
    await store.push('SEP', 'a.test', msg(3), 100);
    assert.equal(await store.count('sep', 'a.test'), 1);
    assert.equal(
      (await store.list('sep', 'b.test', { limit: 10 }))[0]!.createdAt,
      msg(2).createdAt,
    );
  });

  test('remove deletes only the given ids of that user', async () => {
    for (const n of [1, 2, 3]) await store.push('rm', 'a.test', msg(n), 100);
    await store.push('other', 'a.test', msg(9), 100);
    const [a, , c] = await store.list('rm', 'a.test', { limit: 10 });
    const otherId = (await store.list('other', 'a.test', { limit: 1 }))[0]!.id;
    assert.equal(await store.remove('rm', 'a.test', [a!.id, c!.id, otherId]), 2);
    assert.deepEqual(
      (await store.list('rm', 'a.test', { limit: 10 })).map((m) => m.createdAt),
      [msg(2).createdAt],
    );
    assert.equal(await store.count('other', 'a.test'), 1);
    assert.equal(await store.remove('rm', 'a.test', []), 0);
  });

  test('remove handles more ids than one statement takes', async () => {
    for (let n = 0; n < 5; n++) await store.push('many', 'a.test', msg(n), 2000);
    const ids = (await store.list('many', 'a.test', { limit: 10 })).map((m) => m.id);
    const padded = [...ids, ...Array.from({ length: 1200 }, (_, i) => 10_000_000 + i)];
    assert.equal(await store.remove('many', 'a.test', padded), 5);
  });

  test('removeAll empties one user and reports the count', async () => {
    for (const n of [1, 2]) await store.push('all', 'a.test', msg(n), 100);
    assert.equal(await store.removeAll('all', 'a.test'), 2);
    assert.equal(await store.count('all', 'a.test'), 0);
    assert.deepEqual(await store.list('all', 'a.test', { limit: 10 }), []);
  });

  test('list rejects a limit out of range', async () => {
    await assert.rejects(store.list('x', 'a.test', { limit: 0 }), RangeError);
    await assert.rejects(store.list('x', 'a.test', { limit: 100_000 }), RangeError);
  });

  test('keeps a large stanza intact', async () => {
    const big = { ...msg(1), stanza: `<message><body>${'x'.repeat(60_000)}</body></message>` };
    await store.push('big', 'a.test', big, 100);
    assert.equal((await store.list('big', 'a.test', { limit: 1 }))[0]!.stanza, big.stanza);
  });
});

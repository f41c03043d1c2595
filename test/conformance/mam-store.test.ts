import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createMamStore } from '../../src/modules/mam/mam-store.sql.ts';
import type { MamStore, NewArchivedMessage } from '../../src/modules/mam/mam-store.ts';
import { eachBackend } from '../support/databases.ts';

const T0 = 1_700_000_000_000;

const msg = (n: number, over: Partial<NewArchivedMessage> = {}): NewArchivedMessage => ({
  id: `id-${n}`,
  with: 'peer@b.test',
  withResource: 'r',
  direction: n % 2 === 0 ? 'out' : 'in',
  createdAt: T0 + n * 1000,
  stanza: `<message type="chat"><body>m${n} é ✓</body></message>`,
  ...over,
});

eachBackend('MamStore', (db) => {
  let store: MamStore;
  const fill = async (user: string, ns: number[], over: Partial<NewArchivedMessage> = {}) => {
    for (const n of ns) await store.append(user, 'a.test', msg(n, over));
  };
  const ids = (page: { messages: { id: string }[] } | undefined) => page?.messages.map((m) => m.id);

  before(async () => {
    store = await createMamStore(db());
  });

  test('appends made together are committed together, in order; a bad row fails alone', async () => {
    const ns = Array.from({ length: 450 }, (_, i) => 1000 + i);
    const dup = msg(1000); // same stanza id as the first: the unique index refuses it
    const results = await Promise.allSettled([
      ...ns.map((n) => store.append('batch', 'a.test', msg(n))),
      store.append('batch', 'a.test', dup),
    ]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 450);
    assert.equal(results.at(-1)?.status, 'rejected');
    const page = await store.query('batch', 'a.test', {}, { max: 250 });
    assert.equal(page?.count, 450);
    assert.deepEqual(
      ids(page),
      ns.slice(0, 250).map((n) => `id-${n}`),
    );
  });

  test('migrating twice is harmless', async () => {
    await createMamStore(db());
  });

  test('keeps messages in archive order with their fields', async () => {
    await fill('order', [1, 2, 3]);
    const page = await store.query('order', 'a.test', {}, { max: 10 });
    assert.deepEqual(
      page?.messages,
      [1, 2, 3].map((n) => {
        const m = msg(n);
        return {
          id: m.id,
          with: m.with,
          direction: m.direction,
          createdAt: m.createdAt,
          stanza: m.stanza,
        };
      }),
    );
    assert.equal(page?.count, 3);
    assert.equal(page?.firstIndex, 0);
    assert.equal(page?.complete, true);
  });

  test('pages forward with after, and reports complete on the last page', async () => {
    await fill('fwd', [1, 2, 3, 4, 5]);
    const p1 = await store.query('fwd', 'a.test', {}, { max: 2 });
    assert.deepEqual(ids(p1), ['id-1', 'id-2']);
    assert.equal(p1?.complete, false);
    assert.equal(p1?.count, 5);
    const p2 = await store.query('fwd', 'a.test', {}, { max: 2, after: 'id-2' });
    assert.deepEqual(ids(p2), ['id-3', 'id-4']);
    assert.equal(p2?.firstIndex, 2);
    const p3 = await store.query('fwd', 'a.test', {}, { max: 2, after: 'id-4' });
    assert.deepEqual(ids(p3), ['id-5']);
    assert.equal(p3?.complete, true);
  });

  test('pages backward: empty before is the last page, before an id the page preceding it', async () => {
    await fill('back', [1, 2, 3, 4, 5]);
    const last = await store.query('back', 'a.test', {}, { max: 2, before: '' });
    assert.deepEqual(ids(last), ['id-4', 'id-5']);
    assert.equal(last?.firstIndex, 3);
    assert.equal(last?.complete, false);
    const prev = await store.query('back', 'a.test', {}, { max: 2, before: 'id-4' });
    assert.deepEqual(ids(prev), ['id-2', 'id-3']);
    const first = await store.query('back', 'a.test', {}, { max: 2, before: 'id-2' });
    assert.deepEqual(ids(first), ['id-1']);
    assert.equal(first?.complete, true);
  });

  test('an unknown after/before id is reported, even one of another user', async () => {
    await fill('known', [1]);
    assert.equal(await store.query('known', 'a.test', {}, { max: 5, after: 'nope' }), undefined);
    assert.equal(await store.query('unknown', 'a.test', {}, { max: 5, before: 'id-1' }), undefined);
  });

  test('filters by bare JID, by full JID and by inclusive time bounds', async () => {
    await fill('filt', [1, 2], { with: 'x@b.test', withResource: 'one' });
    await fill('filt', [3], { with: 'x@b.test', withResource: 'two' });
    await fill('filt', [4, 5], { with: 'y@b.test', withResource: '' });
    const bare = await store.query('filt', 'a.test', { with: 'x@b.test' }, { max: 10 });
    assert.deepEqual(ids(bare), ['id-1', 'id-2', 'id-3']);
    assert.equal(bare?.count, 3);
    const full = await store.query(
      'filt',
      'a.test',
      { with: 'x@b.test', withResource: 'two' },
      { max: 10 },
    );
    assert.deepEqual(ids(full), ['id-3']);
    const span = await store.query(
      'filt',
      'a.test',
      { start: T0 + 2000, end: T0 + 4000 },
      { max: 10 },
    );
    assert.deepEqual(ids(span), ['id-2', 'id-3', 'id-4']);
    const withAndTime = await store.query(
      'filt',
      'a.test',
      { with: 'y@b.test', start: T0 + 5000 },
      { max: 10 },
    );
    assert.deepEqual(ids(withAndTime), ['id-5']);
    const none = await store.query('filt', 'a.test', { with: 'z@b.test' }, { max: 10 });
    assert.deepEqual(none, { messages: [], count: 0, firstIndex: undefined, complete: true });
  });

  test('max 0 returns only the count', async () => {
    await fill('zero', [1, 2]);
    const page = await store.query('zero', 'a.test', {}, { max: 0 });
    assert.deepEqual(page, { messages: [], count: 2, firstIndex: undefined, complete: false });
    await assert.rejects(store.query('zero', 'a.test', {}, { max: -1 }), RangeError);
  });

  test('users and domains are separate; the same id may exist in two archives', async () => {
    await store.append('sep', 'a.test', msg(1));
    await store.append('sep', 'b.test', msg(1));
    await store.append('sep2', 'a.test', msg(1));
    assert.equal((await store.query('sep', 'a.test', {}, { max: 10 }))?.count, 1);
    assert.equal((await store.query('sep', 'b.test', {}, { max: 10 }))?.count, 1);
  });

  test('an id is unique within one archive', async () => {
    await store.append('dup', 'a.test', msg(1));
    await assert.rejects(store.append('dup', 'a.test', msg(1)));
  });

  test('preferences are absent until set, then replaced', async () => {
    assert.equal(await store.getPrefs('prefs', 'a.test'), undefined);
    await store.setPrefs('prefs', 'a.test', { default: 'roster', always: ['a@x'], never: [] });
    assert.deepEqual(await store.getPrefs('prefs', 'a.test'), {
      default: 'roster',
      always: ['a@x'],
      never: [],
    });
    await store.setPrefs('prefs', 'a.test', {
      default: 'never',
      always: [],
      never: ['b@x', 'c@x'],
    });
    assert.deepEqual(await store.getPrefs('prefs', 'a.test'), {
      default: 'never',
      always: [],
      never: ['b@x', 'c@x'],
    });
    assert.equal(await store.getPrefs('prefs', 'b.test'), undefined);
  });

  test('removeAll deletes the user’s messages and preferences only', async () => {
    await fill('gone', [1, 2]);
    await fill('stays', [1]);
    await store.setPrefs('gone', 'a.test', { default: 'never', always: [], never: [] });
    assert.equal(await store.removeAll('gone', 'a.test'), 2);
    assert.equal((await store.query('gone', 'a.test', {}, { max: 10 }))?.count, 0);
    assert.equal(await store.getPrefs('gone', 'a.test'), undefined);
    assert.equal((await store.query('stays', 'a.test', {}, { max: 10 }))?.count, 1);
  });

  test('removeOlderThan deletes old messages of every user, in bounded batches', async () => {
    const old = T0 - 10 * 86_400_000;
    await fill('ret1', [1, 2], { createdAt: old });
    await fill('ret2', [1], { createdAt: old });
    await fill('ret2', [2]);
    const before = T0 - 86_400_000;
    assert.equal(await store.removeOlderThan(before, 2), 2);
    assert.equal(await store.removeOlderThan(before, 2), 1);
    assert.equal(await store.removeOlderThan(before, 2), 0);
    assert.deepEqual(ids(await store.query('ret2', 'a.test', {}, { max: 10 })), ['id-2']);
  });
});

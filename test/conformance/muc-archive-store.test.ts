import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createMucArchiveStore } from '../../src/modules/muc/muc-archive-store.sql.ts';
import type { MucArchiveStore, NewRoomMessage } from '../../src/modules/muc/muc-archive-store.ts';
import { eachBackend } from '../support/databases.ts';

const T0 = 1_700_000_000_000;
const SVC = 'conference.a.test';

const msg = (n: number, over: Partial<NewRoomMessage> = {}): NewRoomMessage => ({
  id: `id-${String(n).padStart(4, '0')}`,
  nick: n % 2 === 0 ? 'even' : 'odd',
  realJid: n % 2 === 0 ? 'even@a.test' : 'odd@a.test',
  occupantId: `occ-${n % 2}`,
  createdAt: T0 + n * 1000,
  stanza: `<message type="groupchat"><body>m${n} é ✓</body></message>`,
  ...over,
});

eachBackend('MucArchiveStore', (db) => {
  let store: MucArchiveStore;
  const fill = async (room: string, ns: number[]) => {
    for (const n of ns) await store.append(SVC, room, msg(n));
  };
  const ids = (page: { messages: { id: string }[] } | undefined) =>
    page?.messages.map((m) => m.id.slice(3));

  before(async () => {
    store = await createMucArchiveStore(db());
  });

  test('migrating twice is harmless', async () => {
    await createMucArchiveStore(db());
  });

  test('keeps a room’s messages in archive order with their fields, apart from other rooms', async () => {
    await fill('order', [1, 2, 3]);
    await fill('other', [4]);
    await store.append('conference.b.test', 'order', msg(5));
    const page = await store.query(SVC, 'order', {}, { max: 10 });
    assert.deepEqual(
      page?.messages,
      [1, 2, 3].map((n) => ({ ...msg(n), retracted: false })),
    );
    assert.equal(page?.count, 3);
    assert.equal(page?.firstIndex, 0);
    assert.equal(page?.complete, true);
  });

  test('a stanza-id is unique within a room, not across rooms', async () => {
    await store.append(SVC, 'uniq', msg(1));
    await assert.rejects(store.append(SVC, 'uniq', msg(1)));
    await store.append(SVC, 'uniq2', msg(1));
  });

  test('pages forward with after and backward with before; empty before is the last page', async () => {
    await fill('page', [1, 2, 3, 4, 5]);
    const p1 = await store.query(SVC, 'page', {}, { max: 2 });
    assert.deepEqual(ids(p1), ['0001', '0002']);
    assert.equal(p1?.complete, false);
    const p2 = await store.query(SVC, 'page', {}, { max: 2, after: 'id-0004' });
    assert.deepEqual(ids(p2), ['0005']);
    assert.equal(p2?.complete, true);
    assert.equal(p2?.firstIndex, 4);
    const last = await store.query(SVC, 'page', {}, { max: 2, before: '' });
    assert.deepEqual(ids(last), ['0004', '0005']);
    assert.equal(last?.firstIndex, 3);
    assert.equal(last?.complete, false);
    const back = await store.query(SVC, 'page', {}, { max: 5, before: 'id-0003' });
    assert.deepEqual(ids(back), ['0001', '0002']);
    assert.equal(back?.complete, true);
    assert.equal(back?.count, 5);
    const none = await store.query(SVC, 'page', {}, { max: 0 });
    assert.deepEqual(ids(none), []);
    assert.equal(none?.count, 5);
  });

  test('an unknown after/before id reads as undefined', async () => {
    await fill('unknown', [1]);
    assert.equal(await store.query(SVC, 'unknown', {}, { max: 5, after: 'nope' }), undefined);
    // Another room's id is unknown here too.
    await fill('unknown-b', [2]);
    assert.equal(await store.query(SVC, 'unknown', {}, { max: 5, before: 'id-0002' }), undefined);
  });

  test('filters by nick, real JID and time bounds (inclusive)', async () => {
    await fill('filter', [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(ids(await store.query(SVC, 'filter', { nick: 'even' }, { max: 10 })), [
      '0002',
      '0004',
      '0006',
    ]);
    assert.deepEqual(
      ids(await store.query(SVC, 'filter', { realJid: 'odd@a.test' }, { max: 10 })),
      ['0001', '0003', '0005'],
    );
    const timed = await store.query(
      SVC,
      'filter',
      { start: T0 + 2000, end: T0 + 4000 },
      { max: 10 },
    );
    assert.deepEqual(ids(timed), ['0002', '0003', '0004']);
    assert.equal(timed?.count, 3);
  });

  test('get finds one message; retract replaces it by its tombstone', async () => {
    await fill('retract', [1, 2]);
    assert.equal((await store.get(SVC, 'retract', 'id-0001'))?.nick, 'odd');
    assert.equal(await store.get(SVC, 'retract', 'id-0009'), undefined);
    assert.equal(
      await store.retract(SVC, 'retract', 'id-0001', '<message><gone/></message>'),
      true,
    );
    assert.equal(await store.retract(SVC, 'retract', 'id-0009', '<message/>'), false);
    const got = await store.get(SVC, 'retract', 'id-0001');
    assert.equal(got?.retracted, true);
    assert.equal(got?.stanza, '<message><gone/></message>');
    const page = await store.query(SVC, 'retract', {}, { max: 10 });
    assert.deepEqual(
      page?.messages.map((m) => m.retracted),
      [true, false],
    );
  });

  test('removing a room deletes only its archive', async () => {
    await fill('drop', [1, 2]);
    await fill('keep', [3]);
    assert.equal(await store.removeRoom(SVC, 'drop'), 2);
    assert.equal((await store.query(SVC, 'drop', {}, { max: 10 }))?.count, 0);
    assert.equal((await store.query(SVC, 'keep', {}, { max: 10 }))?.count, 1);
  });
});

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createRosterStore } from '../../src/modules/roster/roster-store.sql.ts';
import {
  RosterFullError,
  type RosterItem,
  type RosterStore,
} from '../../src/modules/roster/roster-store.ts';
import { eachBackend } from '../support/databases.ts';

function item(jid: string, over: Partial<RosterItem> = {}): RosterItem {
  return { jid, name: undefined, groups: [], subscription: 'none', askOut: false, ...over };
}

const put = (next: RosterItem | 'remove') => () => next;
const NO_LIMIT = { maxItems: 1000 };

eachBackend('RosterStore', (db) => {
  let store: RosterStore;
  before(async () => {
    store = await createRosterStore(db());
  });

  test('an unknown user has an empty roster at version 0', async () => {
    assert.deepEqual(await store.getRoster('nobody', 'empty.test'), { version: 0, items: [] });
    assert.equal(await store.getVersion('nobody', 'empty.test'), 0);
    assert.equal(await store.getItem('nobody', 'empty.test', 'x@y'), undefined);
  });

  test('stores an item with name, groups, subscription and ask, byte for byte', async () => {
    const it = item('bob@example.org', {
      name: 'Bøb "the builder" <3',
      groups: ['Friends', 'Wörk', ''],
      subscription: 'both',
      askOut: true,
    });
    const out = await store.updateItem('alice', 'items.test', it.jid, put(it), NO_LIMIT);
    assert.equal(out.changed, true);
    assert.equal(out.before, undefined);
    assert.deepEqual(out.after, it);
    assert.equal(out.version, 1);
    assert.deepEqual(await store.getItem('alice', 'items.test', it.jid), it);
    assert.deepEqual(await store.getRoster('alice', 'items.test'), { version: 1, items: [it] });
  });

  test('an update that changes nothing keeps the version', async () => {
    const it = item('carol@example.org', { name: 'Carol' });
    await store.updateItem('alice', 'same.test', it.jid, put(it), NO_LIMIT);
    const again = await store.updateItem('alice', 'same.test', it.jid, put({ ...it }), NO_LIMIT);
    assert.equal(again.changed, false);
    assert.equal(again.version, 1);
    const skipped = await store.updateItem('alice', 'same.test', it.jid, () => undefined, NO_LIMIT);
    assert.equal(skipped.changed, false);
    assert.deepEqual(skipped.after, it);
  });

  test('every change increments the version; removal too', async () => {
    const a = item('a@example.org');
    await store.updateItem('u', 'ver.test', a.jid, put(a), NO_LIMIT);
    await store.updateItem('u', 'ver.test', a.jid, put({ ...a, name: 'A' }), NO_LIMIT);
    const removed = await store.updateItem('u', 'ver.test', a.jid, put('remove'), NO_LIMIT);
    assert.equal(removed.changed, true);
    assert.equal(removed.after, undefined);
    assert.equal(removed.before?.name, 'A');
    assert.equal(removed.version, 3);
    assert.equal(await store.getVersion('u', 'ver.test'), 3);
    const again = await store.updateItem('u', 'ver.test', a.jid, put('remove'), NO_LIMIT);
    assert.equal(again.changed, false);
    assert.equal(again.version, 3);
  });

  test('lists items of one user only, ordered by JID', async () => {
    for (const j of ['zed@x', 'amy@x', 'mo@x']) {
      await store.updateItem('lister', 'list.test', j, put(item(j)), NO_LIMIT);
    }
    await store.updateItem('other', 'list.test', 'amy@x', put(item('amy@x')), NO_LIMIT);
    const r = await store.getRoster('lister', 'list.test');
    assert.deepEqual(
      r.items.map((i) => i.jid),
      ['amy@x', 'mo@x', 'zed@x'],
    );
  });

  test('refuses an insert past maxItems but allows updating existing items', async () => {
    const limit = { maxItems: 2 };
    await store.updateItem('full', 'limit.test', 'a@x', put(item('a@x')), limit);
    await store.updateItem('full', 'limit.test', 'b@x', put(item('b@x')), limit);
    await assert.rejects(
      store.updateItem('full', 'limit.test', 'c@x', put(item('c@x')), limit),
      (e: unknown) => e instanceof RosterFullError && e.max === 2,
    );
    const upd = await store.updateItem(
      'full',
      'limit.test',
      'a@x',
      put(item('a@x', { name: 'A' })),
      limit,
    );
    assert.equal(upd.changed, true);
    assert.equal((await store.getRoster('full', 'limit.test')).items.length, 2);
    assert.equal(await store.getVersion('full', 'limit.test'), 3);
  });

  test('concurrent updates of one user are serialized (no lost version)', async () => {
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        store.updateItem('busy', 'conc.test', `c${i}@x`, put(item(`c${i}@x`)), NO_LIMIT),
      ),
    );
    assert.equal(await store.getVersion('busy', 'conc.test'), 10);
    assert.equal((await store.getRoster('busy', 'conc.test')).items.length, 10);
  });

  test('keeps pending inbound requests, replaces one per contact, and caps them', async () => {
    assert.equal(
      await store.addPendingIn('p', 'pend.test', 'a@x', '<presence a/>', { max: 2 }),
      true,
    );
    assert.equal(
      await store.addPendingIn('p', 'pend.test', 'b@x', '<presence b/>', { max: 2 }),
      true,
    );
    assert.equal(
      await store.addPendingIn('p', 'pend.test', 'c@x', '<presence c/>', { max: 2 }),
      false,
    );
    assert.equal(
      await store.addPendingIn('p', 'pend.test', 'a@x', '<presence a2/>', { max: 2 }),
      true,
    );
    assert.equal(await store.hasPendingIn('p', 'pend.test', 'a@x'), true);
    assert.equal(await store.hasPendingIn('p', 'pend.test', 'c@x'), false);
    const list = await store.listPendingIn('p', 'pend.test');
    assert.deepEqual(list.map((l) => [l.contact, l.stanza]).sort(), [
      ['a@x', '<presence a2/>'],
      ['b@x', '<presence b/>'],
    ]);
    assert.ok(list.every((l) => typeof l.receivedAt === 'number' && l.receivedAt > 0));
    assert.equal(await store.removePendingIn('p', 'pend.test', 'a@x'), true);
    assert.equal(await store.removePendingIn('p', 'pend.test', 'a@x'), false);
    assert.deepEqual(
      (await store.listPendingIn('p', 'pend.test')).map((l) => l.contact),
      ['b@x'],
    );
  });

  test('removeUser deletes items, version and pending requests of that user only', async () => {
    await store.updateItem('gone', 'rm.test', 'a@x', put(item('a@x')), NO_LIMIT);
    await store.addPendingIn('gone', 'rm.test', 'b@x', '<presence/>', { max: 10 });
    await store.updateItem('stays', 'rm.test', 'a@x', put(item('a@x')), NO_LIMIT);
    await store.removeUser('gone', 'rm.test');
    assert.deepEqual(await store.getRoster('gone', 'rm.test'), { version: 0, items: [] });
    assert.deepEqual(await store.listPendingIn('gone', 'rm.test'), []);
    assert.equal((await store.getRoster('stays', 'rm.test')).items.length, 1);
  });
});

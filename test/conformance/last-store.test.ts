import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createLastStore } from '../../src/modules/last/last-store.sql.ts';
import { LAST_STATUS_MAX_CHARS, type LastStore } from '../../src/modules/last/last-store.ts';
import { eachBackend } from '../support/databases.ts';

eachBackend('LastStore', (db) => {
  let store: LastStore;
  before(async () => {
    store = await createLastStore(db());
  });

  test('migrating twice is harmless', async () => {
    await createLastStore(db());
  });

  test('an unknown user has no record', async () => {
    assert.equal(await store.get('nobody', 'a.test'), null);
  });

  test('set then get returns the time and status; set again replaces both', async () => {
    await store.set('u1', 'a.test', { at: 1_700_000_000_123, status: 'Heading Home ✓' });
    assert.deepEqual(await store.get('u1', 'a.test'), {
      at: 1_700_000_000_123,
      status: 'Heading Home ✓',
    });
    await store.set('u1', 'a.test', { at: 1_800_000_000_000, status: '' });
    assert.deepEqual(await store.get('u1', 'a.test'), { at: 1_800_000_000_000, status: '' });
  });

  test('users and domains are separate', async () => {
    await store.set('u2', 'a.test', { at: 1, status: 'a' });
    await store.set('u2', 'b.test', { at: 2, status: 'b' });
    await store.set('U2', 'a.test', { at: 3, status: 'c' });
    assert.equal((await store.get('u2', 'a.test'))?.status, 'a');
    assert.equal((await store.get('u2', 'b.test'))?.status, 'b');
  });

  test('a long status is cut, never splitting a surrogate pair', async () => {
    const long = `${'x'.repeat(LAST_STATUS_MAX_CHARS - 1)}𝄞tail`;
    await store.set('u3', 'a.test', { at: 5, status: long });
    const got = await store.get('u3', 'a.test');
    assert.equal(got?.status, 'x'.repeat(LAST_STATUS_MAX_CHARS - 1));
  });

  test('remove deletes the record and reports whether one existed', async () => {
    await store.set('u4', 'a.test', { at: 5, status: 's' });
    assert.equal(await store.remove('u4', 'a.test'), true);
    assert.equal(await store.get('u4', 'a.test'), null);
    assert.equal(await store.remove('u4', 'a.test'), false);
  });
});

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { type BlockingStore, createBlockingStore } from '../../src/modules/blocking/index.ts';
import { eachBackend } from '../support/databases.ts';

eachBackend('BlockingStore', (db) => {
  let store: BlockingStore;
  before(async () => {
    store = await createBlockingStore(db());
  });

  test('a new user has an empty blocklist', async () => {
    assert.deepEqual(await store.list('nobody', 'b.test'), []);
  });

  test('add returns only what was not blocked before; list is in code point order', async () => {
    assert.deepEqual(await store.add('alice', 'b.test', ['romeo@m.test', 'Iago@s.test']), [
      'romeo@m.test',
      'Iago@s.test',
    ]);
    assert.deepEqual(
      await store.add('alice', 'b.test', ['romeo@m.test', 'evil.test', 'evil.test']),
      ['evil.test'],
    );
    assert.deepEqual(await store.list('alice', 'b.test'), [
      'Iago@s.test',
      'evil.test',
      'romeo@m.test',
    ]);
  });

  test('remove returns only what was blocked', async () => {
    await store.add('bob', 'b.test', ['a@x.test', 'b@x.test/r']);
    assert.deepEqual(await store.remove('bob', 'b.test', ['b@x.test/r', 'c@x.test']), [
      'b@x.test/r',
    ]);
    assert.deepEqual(await store.list('bob', 'b.test'), ['a@x.test']);
  });

  test('clear empties the list and returns what it held', async () => {
    await store.add('carol', 'b.test', ['z@x.test', 'y@x.test']);
    await store.add('dave', 'b.test', ['z@x.test']);
    assert.deepEqual(await store.clear('carol', 'b.test'), ['y@x.test', 'z@x.test']);
    assert.deepEqual(await store.clear('carol', 'b.test'), []);
    assert.deepEqual(await store.list('carol', 'b.test'), []);
    assert.deepEqual(await store.list('dave', 'b.test'), ['z@x.test']);
  });

  test('lists of users on different domains are separate', async () => {
    await store.add('erin', 'one.test', ['a@x.test']);
    await store.add('erin', 'two.test', ['b@x.test']);
    assert.deepEqual(await store.list('erin', 'one.test'), ['a@x.test']);
    assert.deepEqual(await store.list('erin', 'two.test'), ['b@x.test']);
  });

  test('concurrent adds of the same JID record it once', async () => {
    const [a, b] = await Promise.all([
      store.add('frank', 'b.test', ['same@x.test']),
      store.add('frank', 'b.test', ['same@x.test']),
    ]);
    assert.equal(a.length + b.length, 1);
    assert.deepEqual(await store.list('frank', 'b.test'), ['same@x.test']);
  });
});

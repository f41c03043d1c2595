import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createPrivateStore, type PrivateStore } from '../../src/modules/private/index.ts';
import { eachBackend } from '../support/databases.ts';

eachBackend('PrivateStore', (db) => {
  let store: PrivateStore;
  before(async () => {
    store = await createPrivateStore(db());
  });

  test('nothing stored reads as null and no namespaces', async () => {
    assert.equal(await store.get('nobody', 'p.test', 'storage:bookmarks'), null);
    assert.deepEqual(await store.namespaces('nobody', 'p.test'), []);
  });

  test('stores per namespace and replaces a namespace on the next set', async () => {
    await store.set('alice', 'p.test', [
      { namespace: 'storage:bookmarks', xml: '<storage xmlns="storage:bookmarks"/>' },
      { namespace: 'exodus:prefs', xml: '<exodus xmlns="exodus:prefs">1</exodus>' },
    ]);
    await store.set('alice', 'p.test', [
      { namespace: 'exodus:prefs', xml: '<exodus xmlns="exodus:prefs">2</exodus>' },
    ]);
    assert.equal(
      await store.get('alice', 'p.test', 'storage:bookmarks'),
      '<storage xmlns="storage:bookmarks"/>',
    );
    assert.equal(
      await store.get('alice', 'p.test', 'exodus:prefs'),
      '<exodus xmlns="exodus:prefs">2</exodus>',
    );
  });

  test('lists namespaces in code point order', async () => {
    for (const ns of ['b:x', 'B:x', 'a:x', 'é:x']) {
      await store.set('order', 'p.test', [{ namespace: ns, xml: `<q xmlns="${ns}"/>` }]);
    }
    assert.deepEqual(await store.namespaces('order', 'p.test'), ['B:x', 'a:x', 'b:x', 'é:x']);
  });

  test('an empty set changes nothing', async () => {
    await store.set('empty', 'p.test', []);
    assert.deepEqual(await store.namespaces('empty', 'p.test'), []);
  });

  test('users and domains are separate', async () => {
    await store.set('bob', 'one.test', [{ namespace: 'n:1', xml: '<a xmlns="n:1">1</a>' }]);
    await store.set('bob', 'two.test', [{ namespace: 'n:1', xml: '<a xmlns="n:1">2</a>' }]);
    assert.equal(await store.get('bob', 'one.test', 'n:1'), '<a xmlns="n:1">1</a>');
    assert.equal(await store.get('bob', 'two.test', 'n:1'), '<a xmlns="n:1">2</a>');
  });

  test('removeAll deletes every namespace of one user only', async () => {
    await store.set('carol', 'rm.test', [
      { namespace: 'n:1', xml: '<a xmlns="n:1"/>' },
      { namespace: 'n:2', xml: '<b xmlns="n:2"/>' },
    ]);
    await store.set('dave', 'rm.test', [{ namespace: 'n:1', xml: '<a xmlns="n:1"/>' }]);
    assert.equal(await store.removeAll('carol', 'rm.test'), 2);
    assert.equal(await store.removeAll('carol', 'rm.test'), 0);
    assert.deepEqual(await store.namespaces('carol', 'rm.test'), []);
    assert.deepEqual(await store.namespaces('dave', 'rm.test'), ['n:1']);
  });

  test('keeps non-ASCII text byte for byte', async () => {
    const xml = '<note xmlns="x:n">Zoë 李 😀 &lt;&amp;</note>';
    await store.set('zoe', 'p.test', [{ namespace: 'x:n', xml }]);
    assert.equal(await store.get('zoe', 'p.test', 'x:n'), xml);
  });
});

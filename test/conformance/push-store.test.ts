import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createPushStore, type PushStore } from '../../src/modules/push/index.ts';
import { eachBackend } from '../support/databases.ts';

const reg = (jid: string, node: string, resource = 'phone', secret?: string) => ({
  jid,
  node,
  resource,
  options: secret === undefined ? [] : [{ name: 'secret', values: [secret] }],
});

eachBackend('PushStore', (db) => {
  let store: PushStore;
  before(async () => {
    store = await createPushStore(db());
  });

  test('enable stores a registration with its options; enabling the same node again replaces it', async () => {
    assert.equal(await store.enable('alice', 'p.test', reg('push.app', 'n1', 'a', 's1'), 5), true);
    assert.equal(await store.enable('alice', 'p.test', reg('push.app', 'n1', 'b', 's2'), 5), true);
    assert.deepEqual(await store.list('alice', 'p.test'), [reg('push.app', 'n1', 'b', 's2')]);
  });

  test('list orders by app server then node; disable removes one node or every node of a JID', async () => {
    await store.enable('bob', 'p.test', reg('z.app', 'n', 'r'), 5);
    await store.enable('bob', 'p.test', reg('a.app', 'n2', 'r'), 5);
    await store.enable('bob', 'p.test', reg('a.app', 'n1', 'r'), 5);
    assert.deepEqual(
      (await store.list('bob', 'p.test')).map((r) => `${r.jid} ${r.node}`),
      ['a.app n1', 'a.app n2', 'z.app n'],
    );
    assert.equal(await store.disable('bob', 'p.test', 'a.app', 'n2'), 1);
    assert.equal(await store.disable('bob', 'p.test', 'a.app', 'nope'), 0);
    assert.equal(await store.enable('bob', 'p.test', reg('a.app', 'n3', 'r'), 5), true);
    assert.equal(await store.disable('bob', 'p.test', 'a.app'), 2);
    assert.deepEqual(
      (await store.list('bob', 'p.test')).map((r) => r.jid),
      ['z.app'],
    );
  });

  test('at most max registrations, but replacing an existing one is always allowed', async () => {
    assert.equal(await store.enable('carol', 'p.test', reg('x', '1'), 2), true);
    assert.equal(await store.enable('carol', 'p.test', reg('x', '2'), 2), true);
    assert.equal(await store.enable('carol', 'p.test', reg('x', '3'), 2), false);
    assert.equal(await store.enable('carol', 'p.test', reg('x', '2', 'other'), 2), true);
    assert.equal((await store.list('carol', 'p.test')).length, 2);
  });

  test('removeAll deletes one account only', async () => {
    await store.enable('dave', 'rm.test', reg('x', '1'), 5);
    await store.enable('erin', 'rm.test', reg('x', '1'), 5);
    assert.equal(await store.removeAll('dave', 'rm.test'), 1);
    assert.deepEqual(await store.list('dave', 'rm.test'), []);
    assert.equal((await store.list('erin', 'rm.test')).length, 1);
  });
});

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import {
  createPepStore,
  DEFAULT_CONFIG,
  type PepStore,
  type StoredItem,
} from '../../src/modules/pep/index.ts';
import { eachBackend } from '../support/databases.ts';

const item = (id: string, n = 0): StoredItem => ({
  id,
  payload: `<p xmlns="urn:t">${id}${n}</p>`,
  publisher: 'alice@p.test',
  publishedAt: 1_700_000_000_000 + n,
});

eachBackend('PepStore', (db) => {
  let store: PepStore;
  before(async () => {
    store = await createPepStore(db());
  });

  test('a node is created once, with its configuration, and listed in code point order', async () => {
    const open = { ...DEFAULT_CONFIG, accessModel: 'open' as const, maxItems: 'max' as const };
    assert.equal(await store.createNode('alice', 'p.test', 'urn:b', open, 10), 'created');
    assert.equal(await store.createNode('alice', 'p.test', 'urn:b', DEFAULT_CONFIG, 10), 'exists');
    assert.equal(await store.createNode('alice', 'p.test', 'B', DEFAULT_CONFIG, 10), 'created');
    assert.deepEqual((await store.getNode('alice', 'p.test', 'urn:b'))?.config, open);
    assert.deepEqual(
      (await store.listNodes('alice', 'p.test')).map((n) => n.node),
      ['B', 'urn:b'],
    );
    assert.equal(await store.getNode('alice', 'other.test', 'urn:b'), undefined);
  });

  test('the nodes-per-account limit is reported as limit', async () => {
    assert.equal(await store.createNode('lim', 'p.test', 'a', DEFAULT_CONFIG, 2), 'created');
    assert.equal(await store.createNode('lim', 'p.test', 'b', DEFAULT_CONFIG, 2), 'created');
    assert.equal(await store.createNode('lim', 'p.test', 'c', DEFAULT_CONFIG, 2), 'limit');
    assert.equal(await store.createNode('lim', 'p.test', 'a', DEFAULT_CONFIG, 2), 'exists');
  });

  test('publish keeps the newest items up to keep, republishing an id makes it newest', async () => {
    await store.createNode('bob', 'p.test', 'n', DEFAULT_CONFIG, 10);
    for (const id of ['1', '2', '3']) await store.publish('bob', 'p.test', 'n', item(id), 3);
    await store.publish('bob', 'p.test', 'n', item('1', 5), 3);
    assert.deepEqual(
      (await store.getItems('bob', 'p.test', 'n')).map((i) => i.id),
      ['2', '3', '1'],
    );
    assert.equal(
      (await store.getItems('bob', 'p.test', 'n', { ids: ['1'] }))[0]?.payload,
      '<p xmlns="urn:t">15</p>',
    );
    const out = await store.publish('bob', 'p.test', 'n', item('4'), 2);
    assert.deepEqual(out.removed, ['2', '3']);
    assert.deepEqual(
      (await store.getItems('bob', 'p.test', 'n')).map((i) => i.id),
      ['1', '4'],
    );
  });

  test('getItems by max returns the most recent in publish order; by ids only those', async () => {
    await store.createNode('carol', 'p.test', 'n', DEFAULT_CONFIG, 10);
    for (const id of ['a', 'b', 'c', 'd'])
      await store.publish('carol', 'p.test', 'n', item(id), 100);
    assert.deepEqual(
      (await store.getItems('carol', 'p.test', 'n', { max: 2 })).map((i) => i.id),
      ['c', 'd'],
    );
    assert.deepEqual(
      (await store.getItems('carol', 'p.test', 'n', { ids: ['d', 'a', 'zz'] })).map((i) => i.id),
      ['a', 'd'],
    );
    const [first] = await store.getItems('carol', 'p.test', 'n', { ids: ['a'] });
    assert.deepEqual(first, item('a'));
  });

  test('lastItems gives the newest item of each node', async () => {
    await store.createNode('dave', 'p.test', 'x', DEFAULT_CONFIG, 10);
    await store.createNode('dave', 'p.test', 'y', DEFAULT_CONFIG, 10);
    await store.createNode('dave', 'p.test', 'empty', DEFAULT_CONFIG, 10);
    await store.publish('dave', 'p.test', 'x', item('x1'), 10);
    await store.publish('dave', 'p.test', 'x', item('x2'), 10);
    await store.publish('dave', 'p.test', 'y', item('y1'), 10);
    assert.deepEqual(
      (await store.lastItems('dave', 'p.test')).map((l) => [l.node, l.item.id]),
      [
        ['x', 'x2'],
        ['y', 'y1'],
      ],
    );
  });

  test('retract, purge, trim, setConfig and deleteNode', async () => {
    await store.createNode('erin', 'p.test', 'n', DEFAULT_CONFIG, 10);
    for (const id of ['1', '2', '3', '4']) await store.publish('erin', 'p.test', 'n', item(id), 10);
    assert.equal(await store.retract('erin', 'p.test', 'n', '2'), true);
    assert.equal(await store.retract('erin', 'p.test', 'n', '2'), false);
    assert.equal(await store.trim('erin', 'p.test', 'n', 2), 1);
    assert.deepEqual(
      (await store.getItems('erin', 'p.test', 'n')).map((i) => i.id),
      ['3', '4'],
    );
    assert.equal(await store.purge('erin', 'p.test', 'n'), 2);
    assert.deepEqual(await store.getItems('erin', 'p.test', 'n'), []);
    const cfg = {
      ...DEFAULT_CONFIG,
      rosterGroupsAllowed: ['Friends'],
      accessModel: 'roster' as const,
    };
    assert.equal(await store.setConfig('erin', 'p.test', 'n', cfg), true);
    assert.deepEqual((await store.getNode('erin', 'p.test', 'n'))?.config, cfg);
    assert.equal(await store.setConfig('erin', 'p.test', 'none', cfg), false);
    await store.publish('erin', 'p.test', 'n', item('5'), 10);
    assert.equal(await store.deleteNode('erin', 'p.test', 'n'), true);
    assert.equal(await store.deleteNode('erin', 'p.test', 'n'), false);
    // A node created again starts empty.
    await store.createNode('erin', 'p.test', 'n', DEFAULT_CONFIG, 10);
    assert.deepEqual(await store.getItems('erin', 'p.test', 'n'), []);
  });

  test('publishing to a missing node fails and stores nothing', async () => {
    await assert.rejects(store.publish('frank', 'p.test', 'nope', item('1'), 5));
    assert.deepEqual(await store.getItems('frank', 'p.test', 'nope'), []);
  });

  test('removeUser deletes every node and item of one account only', async () => {
    for (const u of ['gina', 'hank']) {
      await store.createNode(u, 'p.test', 'n', DEFAULT_CONFIG, 10);
      await store.publish(u, 'p.test', 'n', item('1'), 10);
    }
    assert.equal(await store.removeUser('gina', 'p.test'), 1);
    assert.deepEqual(await store.listNodes('gina', 'p.test'), []);
    assert.deepEqual(await store.lastItems('gina', 'p.test'), []);
    assert.equal((await store.getItems('hank', 'p.test', 'n')).length, 1);
  });

  test('caps: unknown is undefined, the first write wins', async () => {
    assert.equal(await store.getCaps('sha-1 abc='), undefined);
    await store.putCaps('sha-1 abc=', ['urn:a+notify', 'urn:b']);
    await store.putCaps('sha-1 abc=', ['other']);
    assert.deepEqual(await store.getCaps('sha-1 abc='), ['urn:a+notify', 'urn:b']);
  });
});

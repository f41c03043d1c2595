import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseJid } from '../../jid/index.ts';
import type { BlockingStore } from './blocking-store.ts';
import { BlocklistCache } from './blocklist-cache.ts';

/** A store that counts list() calls and can be told to fail. */
function fakeStore(lists: Map<string, string[]>) {
  const calls: string[] = [];
  let failNext = false;
  const store: BlockingStore = {
    async list(user, domain) {
      calls.push(`${user}@${domain}`);
      if (failNext) {
        failNext = false;
        throw new Error('db down');
      }
      return lists.get(`${user}@${domain}`) ?? [];
    },
    add: async () => [],
    remove: async () => [],
    clear: async () => [],
  };
  return { store, calls, failOnce: () => (failNext = true) };
}

test('a blocklist is loaded once, then served from memory until invalidated', async () => {
  const lists = new Map([['a@x', ['b@x']]]);
  const { store, calls } = fakeStore(lists);
  const cache = new BlocklistCache(store, 10);
  assert.equal((await cache.get('a', 'x')).matches(parseJid('b@x/r')), true);
  await cache.get('a', 'x');
  assert.deepEqual(calls, ['a@x']);
  lists.set('a@x', []);
  cache.invalidate('a', 'x');
  assert.equal((await cache.get('a', 'x')).matches(parseJid('b@x/r')), false);
  assert.deepEqual(calls, ['a@x', 'a@x']);
});

test('concurrent lookups share one load', async () => {
  const { store, calls } = fakeStore(new Map());
  const cache = new BlocklistCache(store, 10);
  await Promise.all([cache.get('a', 'x'), cache.get('a', 'x'), cache.get('a', 'x')]);
  assert.equal(calls.length, 1);
});

test('the least recently used list is forgotten past capacity', async () => {
  const { store, calls } = fakeStore(new Map());
  const cache = new BlocklistCache(store, 2);
  await cache.get('a', 'x');
  await cache.get('b', 'x');
  await cache.get('a', 'x'); // a is now the most recent
  await cache.get('c', 'x'); // evicts b
  await cache.get('a', 'x');
  await cache.get('b', 'x');
  assert.deepEqual(calls, ['a@x', 'b@x', 'c@x', 'b@x']);
});

test('a failed load is not cached: the next lookup tries again', async () => {
  const { store, calls, failOnce } = fakeStore(new Map());
  const cache = new BlocklistCache(store, 10);
  failOnce();
  await assert.rejects(cache.get('a', 'x'), /db down/);
  assert.equal((await cache.get('a', 'x')).size, 0);
  assert.equal(calls.length, 2);
});

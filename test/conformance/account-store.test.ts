import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, test } from 'node:test';
import { createAccountStore } from '../../src/auth/account-store.sql.ts';
import { ACCOUNT_LIST_MAX_LIMIT, type AccountStore } from '../../src/auth/account-store.ts';
import type { AccountSecrets } from '../../src/auth/scram-credentials.ts';
import { appliedMigrations } from '../../src/storage/index.ts';
import { eachBackend } from '../support/databases.ts';

function secrets(iterations = 4096): AccountSecrets {
  const creds = (keyLen: number) => ({
    salt: randomBytes(16),
    iterations,
    storedKey: randomBytes(keyLen),
    serverKey: randomBytes(keyLen),
  });
  return { sha1: creds(20), sha256: creds(32) };
}

eachBackend('AccountStore', (db) => {
  let store: AccountStore;
  before(async () => {
    store = await createAccountStore(db());
  });

  test('creates an account that then exists', async () => {
    assert.equal(await store.exists('alice', 'create.test'), false);
    assert.equal(await store.create('alice', 'create.test', secrets()), 'created');
    assert.equal(await store.exists('alice', 'create.test'), true);
  });

  test('refuses a duplicate and keeps the original secrets', async () => {
    const first = secrets();
    assert.equal(await store.create('bob', 'dup.test', first), 'created');
    assert.equal(await store.create('bob', 'dup.test', secrets()), 'exists');
    assert.deepEqual(await store.getSecrets('bob', 'dup.test'), first);
  });

  test('returns the secrets byte for byte, with iterations', async () => {
    const s = secrets(10_000);
    s.sha1.salt = Buffer.from([0, 255, 0, 1, 0]); // NUL bytes must survive
    await store.create('carol', 'secrets.test', s);
    const got = await store.getSecrets('carol', 'secrets.test');
    assert.ok(got);
    assert.ok(Buffer.isBuffer(got.sha256.storedKey));
    assert.deepEqual(got, s);
    assert.equal(await store.getSecrets('nobody', 'secrets.test'), null);
  });

  test('replaces the secrets of an existing account only', async () => {
    await store.create('dave', 'set.test', secrets());
    const next = secrets(8192);
    assert.equal(await store.setSecrets('dave', 'set.test', next), true);
    assert.deepEqual(await store.getSecrets('dave', 'set.test'), next);
    assert.equal(await store.setSecrets('ghost', 'set.test', next), false);
    assert.equal(await store.exists('ghost', 'set.test'), false);
  });

  test('removes an account once', async () => {
    await store.create('erin', 'remove.test', secrets());
    assert.equal(await store.remove('erin', 'remove.test'), true);
    assert.equal(await store.exists('erin', 'remove.test'), false);
    assert.equal(await store.getSecrets('erin', 'remove.test'), null);
    assert.equal(await store.remove('erin', 'remove.test'), false);
  });

  test('lists usernames in code point order', async () => {
    for (const u of ['mallory', 'Zed', 'alice', 'bob', 'ab']) {
      await store.create(u, 'list.test', secrets(1));
    }
    assert.deepEqual(await store.list('list.test'), ['Zed', 'ab', 'alice', 'bob', 'mallory']);
  });

  test('pages with limit and after', async () => {
    const names = Array.from({ length: 25 }, (_, i) => `user${String(i).padStart(2, '0')}`);
    for (const u of [...names].reverse()) await store.create(u, 'page.test', secrets(1));
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await store.list('page.test', { limit: 10, after });
      assert.ok(page.length <= 10);
      if (page.length === 0) break;
      seen.push(...page);
      after = page[page.length - 1];
    }
    assert.deepEqual(seen, names);
    assert.deepEqual(await store.list('page.test', { after: 'user22' }), ['user23', 'user24']);
  });

  test('rejects limits outside 1..max', async () => {
    await assert.rejects(store.list('page.test', { limit: 0 }), RangeError);
    await assert.rejects(
      store.list('page.test', { limit: ACCOUNT_LIST_MAX_LIMIT + 1 }),
      RangeError,
    );
    await assert.rejects(store.list('page.test', { limit: 1.5 }), RangeError);
  });

  test('counts accounts per domain', async () => {
    assert.equal(await store.count('count.test'), 0);
    for (const u of ['a', 'b', 'c']) await store.create(u, 'count.test', secrets(1));
    await store.remove('b', 'count.test');
    assert.equal(await store.count('count.test'), 2);
  });

  test('keeps domains apart', async () => {
    const one = secrets();
    const two = secrets();
    await store.create('frank', 'one.test', one);
    await store.create('frank', 'two.test', two);
    await store.create('grace', 'two.test', secrets());
    assert.deepEqual(await store.getSecrets('frank', 'one.test'), one);
    assert.deepEqual(await store.getSecrets('frank', 'two.test'), two);
    assert.deepEqual(await store.list('one.test'), ['frank']);
    assert.equal(await store.count('two.test'), 2);
    assert.equal(await store.remove('frank', 'one.test'), true);
    assert.equal(await store.exists('frank', 'two.test'), true);
    assert.equal(await store.exists('grace', 'one.test'), false);
  });

  test('stores Unicode usernames exactly and orders them by code point', async () => {
    // U+00FC, U+7528 and U+1F98A (astral) sort by code point, not by UTF-16 unit.
    const names = ['zoë', 'ünïcødé', '用户', '\u{1F98A}fox', '\uFB01le'];
    for (const u of names) await store.create(u, 'unicode.test', secrets(1));
    for (const u of names) assert.equal(await store.exists(u, 'unicode.test'), true);
    assert.equal(await store.exists('zoe', 'unicode.test'), false);
    assert.deepEqual(await store.list('unicode.test'), [
      'zoë',
      'ünïcødé',
      '用户',
      '\uFB01le',
      '\u{1F98A}fox',
    ]);
    assert.deepEqual(await store.list('unicode.test', { after: '用户', limit: 1 }), ['\uFB01le']);
  });

  test('records its migration under the accounts component', async () => {
    await createAccountStore(db());
    const applied = await appliedMigrations(db(), 'accounts');
    assert.deepEqual(
      applied.map((m) => m.version),
      [1],
    );
  });
});

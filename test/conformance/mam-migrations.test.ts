import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { MAM_MIGRATIONS } from '../../src/modules/mam/mam-migrations.ts';
import { createMamStore } from '../../src/modules/mam/mam-store.sql.ts';
import type { MamStore } from '../../src/modules/mam/mam-store.ts';
import { migrate } from '../../src/storage/index.ts';
import { eachBackend } from '../support/databases.ts';

const INSERT = `INSERT INTO mam_messages
  (domain, username, stanza_id, with_jid, with_resource, direction, created_at, stanza)
  VALUES (?, ?, ?, 'p@b.test', '', 'in', 1, '<message/>')`;

eachBackend('mam migrations', (db) => {
  let store: MamStore;

  before(async () => {
    // A database left at version 1 by an older node, with rows under random (old-style) ids.
    await migrate(db(), 'mam', MAM_MIGRATIONS.slice(0, 1));
    await db().run(INSERT, ['a.test', 'old', 'Zr4x_random-id1']);
    await db().run(INSERT, ['a.test', 'old', 'aa01_random-id2']);
    await db().run(INSERT, ['a.test', 'other', 'Zr4x_random-id1']);
    store = await createMamStore(db());
  });

  test('version 2 keeps the rows and RSM paging by their ids', async () => {
    const page = await store.query('old', 'a.test', {}, { max: 10, after: 'Zr4x_random-id1' });
    assert.deepEqual(
      page?.messages.map((m) => m.id),
      ['aa01_random-id2'],
    );
    assert.equal(page?.count, 2);
  });

  test('ids stay unique per user, not across users', async () => {
    await assert.rejects(db().run(INSERT, ['a.test', 'old', 'aa01_random-id2']));
    await db().run(INSERT, ['a.test', 'third', 'aa01_random-id2']);
    await db().run(INSERT, ['b.test', 'old', 'aa01_random-id2']);
  });
});

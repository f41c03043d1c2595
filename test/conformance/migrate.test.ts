import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appliedMigrations, type Migration, migrate } from '../../src/storage/index.ts';
import { eachBackend } from '../support/databases.ts';

/** Plain CREATE TABLE (no IF NOT EXISTS): running one twice would fail. */
function table(version: number, name: string, ddl: string): Migration {
  return { version, name, sqlite: ddl, postgres: ddl };
}

const V1 = table(1, 'create notes', 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)');
const V2 = table(2, 'index notes', 'CREATE INDEX notes_body ON notes (body)');
const V3 = table(3, 'add tags', 'CREATE TABLE tags (note INTEGER NOT NULL, tag TEXT NOT NULL)');

eachBackend('migrate', (db, backend) => {
  test('applies missing versions in order and records them', async () => {
    // Given out of order: v2 needs v1's table.
    await migrate(db(), 'notes', [V2, V1]);
    const applied = await appliedMigrations(db(), 'notes');
    assert.deepEqual(
      applied.map((m) => [m.version, m.name]),
      [
        [1, 'create notes'],
        [2, 'index notes'],
      ],
    );
    assert.ok(applied.every((m) => Number.isSafeInteger(m.appliedAt) && m.appliedAt > 0));
    await db().run('INSERT INTO notes (id, body) VALUES (?, ?)', [1, 'hello']);
  });

  test('re-running applies nothing twice; a new version is applied alone', async () => {
    await migrate(db(), 'notes', [V1, V2]);
    await migrate(db(), 'notes', [V1, V2, V3]);
    assert.deepEqual(
      (await appliedMigrations(db(), 'notes')).map((m) => m.version),
      [1, 2, 3],
    );
    assert.equal((await db().query('SELECT id FROM notes')).length, 1);
  });

  test('keeps components apart', async () => {
    const other = table(1, 'create others', 'CREATE TABLE others (id INTEGER)');
    await migrate(db(), 'others', [other]);
    assert.deepEqual(
      (await appliedMigrations(db(), 'others')).map((m) => m.name),
      ['create others'],
    );
    assert.equal((await appliedMigrations(db(), 'notes')).length, 3);
    assert.deepEqual(await appliedMigrations(db(), 'nobody'), []);
  });

  test('a failing migration leaves nothing of its run behind', async () => {
    const good = table(1, 'create good', 'CREATE TABLE good_table (id INTEGER)');
    const bad = table(2, 'broken', 'CREATE TABLE this is not sql');
    await assert.rejects(migrate(db(), 'broken', [good, bad]));
    assert.deepEqual(await appliedMigrations(db(), 'broken'), []);
    await assert.rejects(db().query('SELECT id FROM good_table'));
    // The database is usable afterwards and the fixed list applies.
    await migrate(db(), 'broken', [good]);
    await db().query('SELECT id FROM good_table');
  });

  test('refuses a released migration whose name changed', async () => {
    await assert.rejects(
      migrate(db(), 'notes', [{ ...V1, name: 'renamed' }]),
      /applied as "create notes" but is now "renamed"/,
    );
  });

  test('refuses duplicate or invalid versions before touching the database', async () => {
    await assert.rejects(migrate(db(), 'dups', [V1, { ...V2, version: 1 }]), /duplicated/);
    await assert.rejects(migrate(db(), 'dups', [{ ...V1, version: 0 }]), /invalid version/);
    assert.deepEqual(await appliedMigrations(db(), 'dups'), []);
  });

  test('several nodes migrating at once all succeed and apply each version once', async () => {
    const nodes = await Promise.all([1, 2, 3, 4].map(() => backend.openAnother()));
    const migrations = [
      table(1, 'create race', 'CREATE TABLE race (id INTEGER PRIMARY KEY)'),
      table(2, 'fill race', 'INSERT INTO race (id) VALUES (1)'),
    ];
    // Fresh component on fresh handles: they also race on creating schema_migrations' rows.
    await Promise.all(nodes.map((node) => migrate(node, 'race', migrations)));
    assert.deepEqual(
      (await appliedMigrations(db(), 'race')).map((m) => m.version),
      [1, 2],
    );
    assert.equal((await db().query('SELECT id FROM race')).length, 1);
  });
});

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase } from '../../src/storage/index.ts';
import { createScratchDatabase, eachBackend, testPgUrl } from '../support/databases.ts';

eachBackend('SqlDb', (db, backend) => {
  before(async () => {
    await db().exec(`
      CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT, data ${backend.name === 'sqlite' ? 'BLOB' : 'BYTEA'}, at BIGINT);
      CREATE TABLE log (n INTEGER NOT NULL);
    `);
  });

  test('reports its dialect and answers ping', async () => {
    assert.equal(db().dialect, backend.name);
    await db().ping();
  });

  test('round-trips Buffers byte for byte', async () => {
    const bytes = Buffer.from([0, 1, 2, 0xff, 0, 0x80]);
    await db().run('INSERT INTO items (id, data) VALUES (?, ?)', [1, bytes]);
    const [row] = await db().query<{ data: Buffer }>('SELECT data FROM items WHERE id = ?', [1]);
    assert.ok(Buffer.isBuffer(row.data));
    assert.deepEqual(row.data, bytes);
  });

  test('returns BIGINT millisecond timestamps and counts as numbers', async () => {
    const at = Date.UTC(2030, 0, 1, 12, 0, 0, 123);
    await db().run('INSERT INTO items (id, at) VALUES (?, ?)', [2, at]);
    const [row] = await db().query<{ at: unknown }>('SELECT at FROM items WHERE id = ?', [2]);
    assert.equal(row.at, at);
    const [count] = await db().query<{ n: unknown }>('SELECT COUNT(*) AS n FROM items');
    assert.equal(typeof count.n, 'number');
  });

  test('binds many placeholders in order', async () => {
    const ids = Array.from({ length: 150 }, (_, i) => 1000 + i);
    const values = ids.map(() => '(?, ?)').join(', ');
    const params = ids.flatMap((id) => [id, `label ${id}`]);
    const { changes } = await db().run(`INSERT INTO items (id, label) VALUES ${values}`, params);
    assert.equal(changes, 150);
    const rows = await db().query<{ id: number; label: string }>(
      `SELECT id, label FROM items WHERE id IN (${ids.map(() => '?').join(', ')}) ORDER BY id`,
      ids,
    );
    assert.deepEqual(
      rows,
      ids.map((id) => ({ id, label: `label ${id}` })),
    );
  });

  test('leaves a question mark inside a string literal alone', async () => {
    const [row] = await db().query<{ q: string; v: string }>("SELECT 'why?' AS q, ? AS v", ['x']);
    assert.deepEqual(row, { q: 'why?', v: 'x' });
  });

  test('run reports affected rows and query returns no rows for writes', async () => {
    await db().run('INSERT INTO items (id, label) VALUES (?, ?), (?, ?)', [10, 'a', 11, 'a']);
    assert.deepEqual(await db().run('UPDATE items SET label = ? WHERE label = ?', ['b', 'a']), {
      changes: 2,
    });
    assert.deepEqual(await db().query('DELETE FROM items WHERE id = ?', [999]), []);
  });

  test('commits a transaction and returns its result', async () => {
    const result = await db().transaction(async (tx) => {
      await tx.run('INSERT INTO items (id, label) VALUES (?, ?)', [20, 'committed']);
      return 'done';
    });
    assert.equal(result, 'done');
    assert.equal((await db().query('SELECT id FROM items WHERE id = ?', [20])).length, 1);
  });

  test('rolls a transaction back when its callback throws, rethrowing the error', async () => {
    const boom = new Error('boom');
    await assert.rejects(
      db().transaction(async (tx) => {
        await tx.run('INSERT INTO items (id, label) VALUES (?, ?)', [21, 'lost']);
        throw boom;
      }),
      (err) => err === boom,
    );
    assert.deepEqual(await db().query('SELECT id FROM items WHERE id = ?', [21]), []);
  });

  test('rolls back only a failed nested transaction', async () => {
    await db().transaction(async (tx) => {
      await tx.run('INSERT INTO items (id) VALUES (?)', [30]);
      await assert.rejects(
        tx.transaction(async (inner) => {
          await inner.run('INSERT INTO items (id) VALUES (?)', [31]);
          throw new Error('inner');
        }),
        /inner/,
      );
    });
    const rows = await db().query<{ id: number }>(
      'SELECT id FROM items WHERE id IN (?, ?)',
      [30, 31],
    );
    assert.deepEqual(
      rows.map((r) => r.id),
      [30],
    );
  });

  test('a tx used after its transaction ended rejects', async () => {
    const leaked = await db().transaction(async (tx) => tx);
    await assert.rejects(leaked.query('SELECT 1'), /transaction already ended/);
  });

  test('statements issued during a transaction do not join it', async () => {
    // A transaction awaits while another caller writes; the rollback must not undo that write
    // (on SQLite's one connection it would if the two interleaved).
    let insideStarted!: () => void;
    const started = new Promise<void>((resolve) => {
      insideStarted = resolve;
    });
    const txDone = db().transaction(async (tx) => {
      await tx.run('INSERT INTO log (n) VALUES (?)', [1]);
      insideStarted();
      await sleep(50);
      const seen = await tx.query<{ n: number }>('SELECT n FROM log WHERE n = ?', [1]);
      assert.equal(seen.length, 1);
      throw new Error('roll back');
    });
    await started;
    const outside = db().run('INSERT INTO log (n) VALUES (?)', [2]);
    await assert.rejects(txDone, /roll back/);
    await outside;
    const rows = await db().query<{ n: number }>('SELECT n FROM log ORDER BY n');
    assert.deepEqual(
      rows.map((r) => r.n),
      [2],
    );
  });

  test('many concurrent transactions all commit', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        db().transaction(async (tx) => {
          await tx.run('INSERT INTO items (id) VALUES (?)', [500 + i]);
          await sleep(1);
          await tx.run('UPDATE items SET label = ? WHERE id = ?', ['tx', 500 + i]);
        }),
      ),
    );
    const [row] = await db().query<{ n: number }>(
      'SELECT COUNT(*) AS n FROM items WHERE label = ?',
      ['tx'],
    );
    assert.equal(row.n, 20);
  });

  test('rejects statements after close', async () => {
    const other = await backend.openAnother();
    await other.close();
    await assert.rejects(other.query('SELECT 1'), /closed/);
  });
});

test('SQLite: using the outer db inside its own transaction rejects instead of deadlocking', async () => {
  const scratch = await createScratchDatabase('sqlite');
  try {
    const db = scratch.db;
    await db.transaction(async () => {
      await assert.rejects(db.query('SELECT 1'), /use the tx argument/);
    });
    // The transaction has ended: the outer db works again.
    await db.ping();
  } finally {
    await scratch.dispose();
  }
});

test('PostgreSQL statements time out after statementTimeoutMs', async () => {
  const short = await openDatabase({
    backend: 'postgres',
    url: testPgUrl(),
    statementTimeoutMs: 200,
  });
  try {
    await assert.rejects(short.query('SELECT pg_sleep(3)'), /statement timeout/);
    // A transaction may ask for a longer timeout (migrations do).
    await short.transaction(async (tx) => tx.query('SELECT pg_sleep(0.4)'), {
      statementTimeoutMs: 10_000,
    });
  } finally {
    await short.close();
  }
});

test('PostgreSQL BIGINT beyond 2^53 comes back as a bigint, not a rounded number', async () => {
  const pg = await openDatabase({ backend: 'postgres', url: testPgUrl() });
  try {
    const [row] = await pg.query<{ v: unknown }>('SELECT 9007199254740993::bigint AS v');
    assert.equal(row.v, 9007199254740993n);
  } finally {
    await pg.close();
  }
});

test('openDatabase refuses a schema name that is not a plain identifier', async () => {
  await assert.rejects(
    openDatabase({ backend: 'postgres', url: testPgUrl(), schema: 'x; DROP TABLE y' }),
    /invalid PostgreSQL schema name/,
  );
});

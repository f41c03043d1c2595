import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { makeNodeDir, type NodeDir } from './support/cli-node.ts';

const modeOf = async (p: string) => ((await stat(p)).mode & 0o777).toString(8);

/** Issue 10: only the node's user can read the data dir, the database and the logs. */
describe('file modes of a real started node', () => {
  const dirs: NodeDir[] = [];
  after(async () => {
    for (const n of dirs) await n.cleanup();
  });

  test('a fresh node: data dir 0700; database, -wal, -shm, log and cookie 0600', async () => {
    const n = await makeNodeDir();
    dirs.push(n);
    assert.equal((await n.run(['start'])).code, 0);
    assert.equal((await n.run(['started', '--timeout', '60'])).code, 0);
    const reg = await n.run(['register', 'alice', 'localhost', 'wonderland']);
    assert.equal(reg.code, 0, reg.stderr);
    assert.equal(await modeOf(n.dataDir), '700');
    for (const f of ['meerkat.db', 'meerkat.db-wal', 'meerkat.db-shm', 'meerkat.log', 'cookie']) {
      const p = join(n.dataDir, f);
      assert.ok(existsSync(p), `${f} exists`);
      assert.equal(await modeOf(p), '600', f);
    }
    assert.equal(await modeOf(join(n.dataDir, 'tls')), '700');
  });

  test('files an older version left readable are tightened; a shared data dir is warned about', async () => {
    const n = await makeNodeDir();
    dirs.push(n);
    await mkdir(n.dataDir, { mode: 0o755 });
    await chmod(n.dataDir, 0o755);
    for (const f of ['meerkat.log', 'meerkat.db']) {
      await writeFile(join(n.dataDir, f), '', { mode: 0o644 });
      await chmod(join(n.dataDir, f), 0o644);
    }
    assert.equal((await n.run(['start'])).code, 0);
    assert.equal((await n.run(['started', '--timeout', '60'])).code, 0);
    assert.equal(await modeOf(join(n.dataDir, 'meerkat.log')), '600');
    assert.equal(await modeOf(join(n.dataDir, 'meerkat.db')), '600');
    assert.equal(await modeOf(join(n.dataDir, 'meerkat.db-wal')), '600');
    // The operator's directory is left as it is, with a warning saying how to fix it.
    assert.equal(await modeOf(n.dataDir), '755');
    const warn = (await n.log()).find((l) => l.what === 'data_dir_permissions');
    assert.ok(warn, 'data_dir_permissions logged');
    assert.match(String(warn.hint), /chmod 700/);
  });
});

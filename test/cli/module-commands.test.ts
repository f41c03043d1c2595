import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeNodeDir, type NodeDir } from './support/cli-node.ts';

// Issue 4: meerkatctl counts and deletes a user's offline messages (mod_offline's commands,
// served by the node's control port like the core commands).
describe("meerkatctl runs enabled modules' commands", () => {
  let n: NodeDir;
  before(async () => {
    n = await makeNodeDir();
    assert.equal((await n.run(['start'])).code, 0);
    assert.equal((await n.run(['started', '--timeout', '60'])).code, 0);
    assert.equal((await n.run(['register', 'olga', 'localhost', 'pw'])).code, 0);
    assert.equal((await n.run(['register', 'oleg', 'localhost', 'pw'])).code, 0);
  });
  after(async () => {
    await n?.cleanup();
  });

  test('offline_count and delete_offline', async () => {
    for (const body of ['one', 'two', 'three']) {
      const r = await n.run(['send_message', 'oleg@localhost', 'olga@localhost', body]);
      assert.equal(r.code, 0, r.stderr);
    }
    const count = await n.run(['--json', 'offline_count', 'olga', 'localhost']);
    assert.equal(count.code, 0, count.stderr);
    assert.equal((JSON.parse(count.stdout) as { count: number }).count, 3);
    const del = await n.run(['delete_offline', 'olga', 'localhost']);
    assert.equal(del.code, 0, del.stderr);
    const again = await n.run(['--json', 'offline_count', 'olga', 'localhost']);
    assert.equal((JSON.parse(again.stdout) as { count: number }).count, 0);
  });

  test('a name no module serves is still an unknown command (exit 2)', async () => {
    const r = await n.run(['frobnicate']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^Unknown command 'frobnicate'$/m);
  });
});

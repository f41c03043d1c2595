import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCtl } from './support/cli-node.ts';

// No node needed: these are decided by meerkatctl before it connects anywhere.
describe('meerkatctl usage conventions', () => {
  let cwd = '';
  before(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'meerkatctl-usage-'));
  });

  test('no arguments: the command list, exit 2', async () => {
    const r = await runCtl(cwd, []);
    assert.equal(r.code, 2);
    assert.match(r.stdout, /^Usage: meerkatctl /);
    for (const name of [
      'start',
      'started',
      'stop',
      'status',
      'register',
      'kick_session',
      'send_message',
    ]) {
      assert.match(r.stdout, new RegExp(`^  ${name}\\b`, 'm'), name);
    }
  });

  test('--help and help: the command list, exit 0', async () => {
    for (const args of [['--help'], ['help']]) {
      const r = await runCtl(cwd, args);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /Exit codes: 0 ok, 1 error, 2 usage/);
    }
  });

  test('help COMMAND and COMMAND --help describe its arguments', async () => {
    for (const args of [
      ['help', 'register'],
      ['register', '--help'],
    ]) {
      const r = await runCtl(cwd, args);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /^Usage: meerkatctl register USER HOST PASSWORD$/m);
      assert.match(r.stdout, /^ {2}PASSWORD +the password, or '-' to read it from stdin$/m);
    }
  });

  test("unknown command: Unknown command 'X', exit 2", async () => {
    const r = await runCtl(cwd, ['frobnicate']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^Unknown command 'frobnicate'$/m);
    assert.equal((await runCtl(cwd, ['help', 'frobnicate'])).code, 2);
  });

  test('wrong arguments name the argument and the expectation, exit 2', async () => {
    const missing = await runCtl(cwd, ['register', 'alice', 'localhost']);
    assert.equal(missing.code, 2);
    assert.match(
      missing.stderr,
      /^Error: missing argument PASSWORD \(the password, or '-' to read it from stdin\)$/m,
    );
    assert.match(missing.stderr, /^Usage: meerkatctl register USER HOST PASSWORD$/m);
    const extra = await runCtl(cwd, ['check_account', 'a', 'b', 'c']);
    assert.equal(extra.code, 2);
    assert.match(extra.stderr, /too many arguments: 'check_account' takes 2 \(USER HOST\), got 3/);
    const bad = await runCtl(cwd, ['unregister', 'a@b', 'localhost']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /invalid USER: expected a user name without/);
    for (const name of ['status', 'start']) {
      const local = await runCtl(cwd, [name, 'extra']);
      assert.equal(local.code, 2);
      assert.match(
        local.stderr,
        new RegExp(`too many arguments: '${name}' takes 0 \\(none\\), got 1`),
      );
    }
  });

  test('bad options are usage errors', async () => {
    const r = await runCtl(cwd, ['--timeout', 'soon', 'started']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /option --timeout expects a positive number of seconds, got 'soon'/);
    assert.equal((await runCtl(cwd, ['--bogus', 'status'])).code, 2);
  });

  test('an invalid configuration is reported with each path and reason, exit 1', async () => {
    const r = await runCtl(cwd, ['--node', 'no-at-sign', 'status']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^node\.name: .*\(from MEERKAT_NODE\)$/m);
  });

  test('the node itself reports every invalid setting with its path and exits 1', async () => {
    const bad = join(cwd, 'bad.toml');
    await writeFile(bad, '[node]\nname = "no-at-sign"\n[bogus]\n');
    const main = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', 'tsx', main, '--config', bad], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^bogus: unknown key/m);
    assert.match(r.stderr, /^node\.name: expected name@host/m);
  });

  test('node not reachable: Failed to connect to the node NAME: REASON, exit 3', async () => {
    const r = await runCtl(cwd, ['--node', 'nobody@localhost', '--cookie', 'x', 'connected_users']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /^Failed to connect to the node nobody@localhost: \S/m);
  });
});

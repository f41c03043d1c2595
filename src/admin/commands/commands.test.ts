import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createFakeServices } from '../../../test/cli/support/fake-services.ts';
import { CommandError, runCommand, UsageError } from '../command-registry.ts';
import { createAdminRegistry } from '../index.ts';
import { formatUptime } from './server.ts';

const registry = createAdminRegistry();
const run = (name: string, args: string[], svc = createFakeServices()) =>
  runCommand(registry.get(name)!, svc, args, {});

describe('admin commands', () => {
  test('account lifecycle: register, check, change password, list, unregister', async () => {
    const svc = createFakeServices();
    assert.equal(
      (await run('register', ['bob', 'localhost', 'a'], svc)).text,
      'User bob@localhost successfully registered',
    );
    await assert.rejects(run('register', ['bob', 'localhost', 'a'], svc), CommandError);
    assert.equal((await run('check_account', ['bob', 'localhost'], svc)).exitCode, 0);
    assert.equal((await run('check_password', ['bob', 'localhost', 'a'], svc)).exitCode, 0);
    await run('change_password', ['bob', 'localhost', 'b'], svc);
    assert.equal((await run('check_password', ['bob', 'localhost', 'a'], svc)).exitCode, 1);
    assert.deepEqual((await run('registered_users', ['localhost'], svc)).json, ['bob']);
    await run('unregister', ['bob', 'localhost'], svc);
    assert.equal((await run('check_account', ['bob', 'localhost'], svc)).exitCode, 1);
    await assert.rejects(
      run('unregister', ['bob', 'localhost'], svc),
      /User bob@localhost does not exist/,
    );
  });

  test('an unknown host is an error naming the served hosts', async () => {
    await assert.rejects(
      run('registered_users', ['example.org']),
      /Unknown host 'example.org' \(this node serves: localhost\)/,
    );
  });

  test('wrong arguments name the argument and the expectation', async () => {
    await assert.rejects(
      run('register', ['bob', 'localhost']),
      (e: Error) =>
        e instanceof UsageError &&
        e.message === "missing argument PASSWORD (the password, or '-' to read it from stdin)",
    );
    await assert.rejects(
      run('unregister', ['a', 'b', 'c']),
      /too many arguments: 'unregister' takes 2 \(USER HOST\), got 3/,
    );
    await assert.rejects(
      run('check_account', ['a@b', 'localhost']),
      /invalid USER: expected a user name without/,
    );
    await assert.rejects(
      run('send_message', ['@x', 'b@c', 'hi']),
      /invalid FROM: expected a JID such as user@host/,
    );
  });

  test('status reports every field and exits 1 unless started', async () => {
    const svc = createFakeServices();
    const out = await run('status', [], svc);
    assert.equal(out.exitCode, 0);
    for (const line of [
      'Node: meerkat@localhost',
      'Status: started',
      'Version: 0.1.0',
      'Uptime: 1h 2m 3s',
      '  c2s 0.0.0.0:5222',
      'Open files limit: 1024 (hard 4096)',
    ]) {
      assert.ok(out.text.split('\n').includes(line), line);
    }
    svc.setStatus('starting');
    assert.equal((await run('status', [], svc)).exitCode, 1);
  });

  test('sessions: list, count, kick, send_message', async () => {
    const svc = createFakeServices();
    assert.equal((await run('connected_users', [], svc)).text, 'alice@localhost/phone');
    assert.equal((await run('connected_users_number', [], svc)).text, '1');
    await assert.rejects(
      run('kick_session', ['alice', 'localhost', 'tablet', 'bye'], svc),
      /No session alice@localhost\/tablet/,
    );
    await run('kick_session', ['alice', 'localhost', 'phone', 'bye'], svc);
    assert.equal((await run('connected_users_number', [], svc)).text, '0');
    await run('send_message', ['admin@localhost', 'alice@localhost', 'hello'], svc);
    assert.deepEqual(svc.sent, [{ from: 'admin@localhost', to: 'alice@localhost', body: 'hello' }]);
  });

  test('uptime is human readable', () => {
    assert.equal(formatUptime(59_000), '59s');
    assert.equal(formatUptime(90_061_000), '1d 1h 1m 1s');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@xmpp/client';
import { stopXmppJs, xmppJs } from '../support/xmpp-js.ts';
import { makeNodeDir, type NodeDir } from './support/cli-node.ts';

describe('meerkatctl account and session commands against a real node', () => {
  let n: NodeDir;
  before(async () => {
    n = await makeNodeDir();
    {
      const r = await n.run(['start']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
    }
    assert.equal((await n.run(['started'])).code, 0);
  });
  after(() => n.cleanup());

  test('register, also with the password from stdin; a duplicate is an error', async () => {
    const r = await n.run(['register', 'alice', 'localhost', 'wonderland']);
    assert.deepEqual(r, {
      code: 0,
      stdout: 'User alice@localhost successfully registered\n',
      stderr: '',
    });
    const fromStdin = await n.run(['register', 'bob', 'localhost', '-'], { stdin: 'builder\n' });
    assert.equal(fromStdin.code, 0, fromStdin.stderr);
    assert.equal((await n.run(['check_password', 'bob', 'localhost', 'builder'])).code, 0);
    const dup = await n.run(['register', 'alice', 'localhost', 'x']);
    assert.deepEqual(dup, {
      code: 1,
      stdout: '',
      stderr: 'Error: User alice@localhost already registered\n',
    });
  });

  test('an unknown host is an error naming the hosts served', async () => {
    const r = await n.run(['register', 'carol', 'example.org', 'pw']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, "Error: Unknown host 'example.org' (this node serves: localhost)\n");
  });

  test('check_account and check_password answer with the exit code', async () => {
    assert.equal((await n.run(['check_account', 'alice', 'localhost'])).code, 0);
    const missing = await n.run(['check_account', 'nobody', 'localhost']);
    assert.deepEqual(missing, {
      code: 1,
      stdout: 'User nobody@localhost does not exist\n',
      stderr: '',
    });
    assert.equal((await n.run(['check_password', 'alice', 'localhost', 'wonderland'])).code, 0);
    assert.equal((await n.run(['check_password', 'alice', 'localhost', 'wrong'])).code, 1);
    const viaStdin = await n.run(['check_password', 'alice', 'localhost', '-'], {
      stdin: 'wonderland\n',
    });
    assert.equal(viaStdin.code, 0);
    assert.deepEqual(
      JSON.parse((await n.run(['--json', 'check_account', 'alice', 'localhost'])).stdout),
      {
        exists: true,
      },
    );
  });

  test('change_password takes effect (new password from stdin)', async () => {
    const r = await n.run(['change_password', 'bob', 'localhost', '-'], { stdin: 'new-secret\n' });
    assert.deepEqual(r, { code: 0, stdout: 'Password changed for bob@localhost\n', stderr: '' });
    assert.equal((await n.run(['check_password', 'bob', 'localhost', 'builder'])).code, 1);
    assert.equal((await n.run(['check_password', 'bob', 'localhost', 'new-secret'])).code, 0);
    assert.equal((await n.run(['change_password', 'nobody', 'localhost', 'x'])).code, 1);
  });

  test('registered_users lists one user a line, or JSON', async () => {
    assert.equal((await n.run(['registered_users', 'localhost'])).stdout, 'alice\nbob\n');
    assert.deepEqual(
      JSON.parse((await n.run(['registered_users', 'localhost', '--json'])).stdout),
      ['alice', 'bob'],
    );
  });

  describe('with a connected client', () => {
    let client: Client;
    before(async () => {
      client = await xmppJs({
        service: `xmpp://127.0.0.1:${n.c2sPort}`,
        username: 'alice',
        password: 'wonderland',
        resource: 'phone',
      });
    });
    after(() => stopXmppJs(client));

    test('connected_users and connected_users_number', async () => {
      assert.deepEqual(await n.run(['connected_users']), {
        code: 0,
        stdout: 'alice@localhost/phone\n',
        stderr: '',
      });
      assert.equal((await n.run(['connected_users_number'])).stdout, '1\n');
      const [s] = JSON.parse((await n.run(['--json', 'connected_users'])).stdout);
      assert.equal(s.jid, 'alice@localhost/phone');
      assert.equal(s.ip, '127.0.0.1');
      const verbose = await n.run(['connected_users', '--verbose']);
      assert.equal(verbose.code, 0, verbose.stderr);
      assert.match(
        verbose.stdout,
        /^alice@localhost\/phone\t127\.0\.0\.1\ttcp\t0\t\d{4}-\d\d-\d\dT/,
      );
    });

    test('send_message delivers a chat message to the session', async () => {
      const got = new Promise<{ from: string; body: string }>((resolve) => {
        client.on('stanza', (st) => {
          if (st.is('message'))
            resolve({ from: st.attrs.from, body: st.getChildText('body') ?? '' });
        });
      });
      const r = await n.run([
        'send_message',
        'bob@localhost',
        'alice@localhost/phone',
        'hello from the shell',
      ]);
      assert.deepEqual(r, {
        code: 0,
        stdout: 'Message sent to alice@localhost/phone\n',
        stderr: '',
      });
      assert.deepEqual(await got, { from: 'bob@localhost', body: 'hello from the shell' });
    });

    test('kick_session disconnects the session; an unknown one is an error', async () => {
      const unknown = await n.run(['kick_session', 'alice', 'localhost', 'tablet', 'bye']);
      assert.deepEqual(unknown, {
        code: 1,
        stdout: '',
        stderr: 'Error: No session alice@localhost/tablet\n',
      });
      const gone = new Promise<void>((resolve) =>
        client.on('status', (status) => {
          if (status === 'disconnect' || status === 'offline') resolve();
        }),
      );
      const r = await n.run(['kick_session', 'alice', 'localhost', 'phone', 'maintenance']);
      assert.equal(r.code, 0, r.stderr);
      await gone;
      assert.equal((await n.run(['connected_users_number'])).stdout, '0\n');
      assert.equal((await n.run(['connected_users'])).stdout, '');
    });
  });

  test('unregister deletes the account; a second time is an error', async () => {
    const r = await n.run(['unregister', 'bob', 'localhost']);
    assert.deepEqual(r, {
      code: 0,
      stdout: 'User bob@localhost successfully unregistered\n',
      stderr: '',
    });
    assert.equal((await n.run(['check_account', 'bob', 'localhost'])).code, 1);
    assert.equal((await n.run(['unregister', 'bob', 'localhost'])).code, 1);
  });
});

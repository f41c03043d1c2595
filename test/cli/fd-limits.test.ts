import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@xmpp/client';
import { processAlive } from '../../src/cli/pid-file.ts';
import { stopXmppJs, xml, xmppJs } from '../support/xmpp-js.ts';
import { makeNodeDir, type NodeDir } from './support/cli-node.ts';

async function waitForLog(n: NodeDir, what: string, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const found = (await n.log()).filter((l) => l.what === what);
    if (found.length > 0) return found;
    await sleep(100);
  }
  throw new Error(`no ${what} in the node log within ${ms} ms`);
}

describe('open-files limit', () => {
  const dirs: NodeDir[] = [];
  after(async () => {
    for (const d of dirs) await d.cleanup();
  });

  test('a limit below max_connections + margin gives one warning with the fix; status shows it', async () => {
    const n = await makeNodeDir({ nodeSection: 'max_connections = 1000' });
    dirs.push(n);
    {
      const r = await n.run(['start'], { ulimit: 256 });
      assert.equal(r.code, 0, r.stdout + r.stderr);
    }
    assert.equal((await n.run(['started'])).code, 0);
    const warnings = (await n.log()).filter((l) => l.what === 'fd_limit_low');
    assert.equal(warnings.length, 1);
    const [w] = warnings;
    assert.equal(w!.soft, 256);
    assert.equal(w!.need, 1256);
    assert.match(
      String(w!.msg),
      /open-files limit is 256 but max_connections = 1000 needs at least 1256/,
    );
    assert.match(String(w!.msg), /soft nofile .* hard nofile .*pam_limits\.so.*LimitNOFILE=/);
    assert.match((await n.run(['status'])).stdout, /^Open files limit: 256 \(hard 256\)$/m);
    await n.run(['stop']);
  });

  test('no warning when the limit is high enough', async () => {
    const n = await makeNodeDir({ nodeSection: 'max_connections = 100' });
    dirs.push(n);
    {
      const r = await n.run(['start'], { ulimit: 1024 });
      assert.equal(r.code, 0, r.stdout + r.stderr);
    }
    assert.equal((await n.run(['started'])).code, 0);
    assert.equal((await n.log()).filter((l) => l.what === 'fd_limit_low').length, 0);
    await n.run(['stop']);
  });

  test('out of descriptors: accept_emfile logged, node up, sessions work, logins succeed again', async () => {
    const n = await makeNodeDir();
    dirs.push(n);
    {
      const r = await n.run(['start'], { ulimit: 128 });
      assert.equal(r.code, 0, r.stdout + r.stderr);
    }
    assert.equal((await n.run(['started'])).code, 0);
    assert.equal((await n.run(['register', 'alice', 'localhost', 'pw1'])).code, 0);
    assert.equal((await n.run(['register', 'bob', 'localhost', 'pw2'])).code, 0);
    const service = `xmpp://127.0.0.1:${n.c2sPort}`;
    const alice: Client = await xmppJs({
      service,
      username: 'alice',
      password: 'pw1',
      resource: 'a',
    });
    const flood: Socket[] = [];
    try {
      for (let i = 0; i < 300; i++) {
        const s = connect(n.c2sPort, '127.0.0.1');
        s.on('error', () => {});
        flood.push(s);
      }
      const [warning] = await waitForLog(n, 'accept_emfile');
      assert.equal(warning!.code, 'EMFILE');
      assert.ok(processAlive((await n.pid())!), 'the node is still running');
      // The established session still sends and receives.
      const echoed = new Promise<string>((resolve) => {
        alice.on('stanza', (st) => {
          if (st.is('message')) resolve(st.getChildText('body') ?? '');
        });
      });
      await alice.send(
        xml('message', { to: 'alice@localhost/a', type: 'chat' }, xml('body', {}, 'still here')),
      );
      assert.equal(await echoed, 'still here');
    } finally {
      for (const s of flood) s.destroy();
    }
    await waitForLog(n, 'accept_emfile_recovered');
    const bob = await xmppJs({ service, username: 'bob', password: 'pw2', resource: 'b' });
    assert.equal((await n.run(['connected_users_number'])).stdout, '2\n');
    await stopXmppJs(bob);
    await stopXmppJs(alice);
    assert.equal((await n.run(['ping'])).stdout, 'pong\n');
  });
});

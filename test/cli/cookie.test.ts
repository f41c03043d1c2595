import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeNodeDir, type NodeDir } from './support/cli-node.ts';
import { freePort } from './support/ports.ts';

describe('the cookie guards the control port', () => {
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

  test('the node generated its cookie into the data dir with mode 0600', async () => {
    assert.equal((await stat(join(n.dataDir, 'cookie'))).mode & 0o777, 0o600);
  });

  test('a wrong cookie (--cookie or MEERKAT_COOKIE) runs nothing, exits 3, and is logged', async () => {
    const viaFlag = await n.run(['--cookie', 'guess', 'register', 'mallory', 'localhost', 'pw']);
    assert.equal(viaFlag.code, 3);
    assert.equal(
      viaFlag.stderr,
      `Failed to connect to the node ${n.nodeName}: the node refused the connection: wrong cookie\n`,
    );
    const viaEnv = await n.run(['register', 'mallory', 'localhost', 'pw'], {
      env: { MEERKAT_COOKIE: 'guess2' },
    });
    assert.equal(viaEnv.code, 3);
    for (const cmd of [['stop'], ['status'], ['connected_users']]) {
      assert.equal((await n.run(['--cookie', 'guess', ...cmd])).code, 3);
    }
    assert.equal(
      (await n.run(['check_account', 'mallory', 'localhost'])).code,
      1,
      'nothing was registered',
    );
    assert.equal((await n.run(['status'])).code, 0, 'the node did not stop');
    const failures = (await n.log()).filter((l) => l.what === 'control_auth_failed');
    assert.equal(failures.length, 5);
    for (const f of failures) assert.match(String(f.peer), /^127\.0\.0\.1:\d+$/);
  });

  test('the cookie never crosses the wire: a recording proxy sees only nonces and proofs', async () => {
    const cookie = (await readFile(join(n.dataDir, 'cookie'), 'utf8')).trim();
    const status = JSON.parse((await n.run(['--json', 'status'])).stdout);
    const controlPort = status.listeners.find((l: { kind: string }) => l.kind === 'control').port;
    const proxyPort = await freePort();
    const seen: Buffer[] = [];
    const proxy: Server = createServer((client) => {
      const upstream = connect(controlPort, '127.0.0.1');
      client.on('data', (d) => seen.push(d) && upstream.write(d));
      upstream.on('data', (d) => seen.push(d) && client.write(d));
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((r) => proxy.listen(proxyPort, '127.0.0.1', r));
    // meerkatctl reads this config: same node and data dir (so the same cookie), the proxy's port.
    const viaProxy = join(n.dir, 'via-proxy.toml');
    await writeFile(
      viaProxy,
      `[general]\ndata_dir = ${JSON.stringify(n.dataDir)}\n[node]\nname = "${n.nodeName}"\n` +
        `dist_port_min = ${proxyPort}\ndist_port_max = ${proxyPort}\n`,
    );
    const r = await n.run(['--config', viaProxy, 'register', 'carol', 'localhost', 'pw']);
    assert.equal(r.code, 0, r.stderr);
    proxy.close();
    const wire = Buffer.concat(seen);
    assert.ok(wire.includes('"type":"challenge"'), 'the proxy carried the handshake');
    for (const form of [
      cookie,
      Buffer.from(cookie).toString('hex'),
      Buffer.from(cookie).toString('base64'),
    ]) {
      assert.equal(wire.includes(form), false, 'cookie on the wire');
    }
  });
});

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { captureLog } from '../../test/cli/support/log-capture.ts';
import { createTcpListener } from './listener.ts';

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
}

function echo(s: Socket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no echo')), 5000);
    s.once('data', (d) => {
      clearTimeout(t);
      resolve(d.toString());
    });
    s.once('close', () => reject(new Error('closed')));
    s.write(text);
  });
}

describe('tcp listener', () => {
  test('connections beyond max_connections are closed at once and counted', async () => {
    const { log } = captureLog();
    const rejected: string[] = [];
    const listener = await createTcpListener({
      ip: '127.0.0.1',
      port: 0,
      maxConnections: 2,
      log,
      kind: 'c2s',
      metrics: { connectionRejected: (k) => rejected.push(k), acceptFailed: () => {} },
      onConnection: (s) => s.on('data', (d) => s.write(d)),
    });
    const a = await open(listener.port);
    const b = await open(listener.port);
    const c = await open(listener.port);
    await new Promise<void>((r) => c.on('close', () => r()));
    assert.deepEqual(rejected, ['c2s']);
    assert.equal(await echo(a, 'still here'), 'still here');
    assert.deepEqual(listener.stats(), { open: 2, accepted: 2, rejected: 1, acceptErrors: 0 });
    const closing = listener.close();
    a.destroy();
    b.destroy();
    await closing;
  });

  test('out of descriptors: logs accept_emfile, keeps serving, accepts again later', async () => {
    const fixture = fileURLToPath(
      new URL('../../test/cli/fixtures/emfile-listener.ts', import.meta.url),
    );
    const child = spawn(
      'sh',
      ['-c', `ulimit -n 64 && exec "${process.execPath}" --import tsx "${fixture}"`],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const lines: Record<string, unknown>[] = [];
    const waiters: (() => void)[] = [];
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl = buf.indexOf('\n');
      while (nl !== -1) {
        lines.push(JSON.parse(buf.slice(0, nl)));
        buf = buf.slice(nl + 1);
        nl = buf.indexOf('\n');
        for (const w of waiters.splice(0)) w();
      }
    });
    const waitFor = async (what: string) => {
      for (;;) {
        const found = lines.find((l) => l.what === what);
        if (found) return found;
        await new Promise<void>((r) => waiters.push(r));
      }
    };
    try {
      const { port } = (await waitFor('fixture_ready')) as { port: number };
      const first = await open(port);
      assert.equal(await echo(first, 'hi'), 'hi');
      const flood: Socket[] = [];
      for (let i = 0; i < 100; i++) {
        const s = connect(port, '127.0.0.1');
        s.on('error', () => {});
        flood.push(s);
      }
      const warning = await waitFor('accept_emfile');
      assert.equal(warning.code, 'EMFILE');
      assert.equal(child.exitCode, null, 'the server is still running');
      assert.equal(await echo(first, 'existing session works'), 'existing session works');
      for (const s of flood) s.destroy();
      let later: Socket | undefined;
      for (let attempt = 0; attempt < 50 && !later; attempt++) {
        const s = await open(port);
        try {
          assert.equal(await echo(s, 'new'), 'new');
          later = s;
        } catch {
          s.destroy();
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      assert.ok(later, 'a new connection is served once descriptors are free');
      later.destroy();
      first.destroy();
      assert.equal(lines.filter((l) => l.what === 'accept_emfile').length >= 1, true);
    } finally {
      child.kill('SIGTERM');
    }
  });
});

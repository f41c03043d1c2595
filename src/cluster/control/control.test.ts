import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { createFakeServices } from '../../../test/cli/support/fake-services.ts';
import { captureLog } from '../../../test/cli/support/log-capture.ts';
import { freePort } from '../../../test/cli/support/ports.ts';
import { createAdminRegistry } from '../../admin/index.ts';
import { ConnectError, connectToNode } from './client.ts';
import { FramedSocket } from './framed-socket.ts';
import { startControlServer } from './server.ts';

const COOKIE = 'sesame-cookie-4711';

async function startNode(name = 'meerkat@localhost', portMin?: number, portMax?: number) {
  const min = portMin ?? (await freePort());
  const capture = captureLog();
  const server = await startControlServer({
    nodeName: name,
    cookie: COOKIE,
    portMin: min,
    portMax: portMax ?? min,
    host: 'localhost',
    registry: createAdminRegistry(),
    services: createFakeServices({ name }),
    log: capture.log,
    handshakeTimeoutMs: 500,
  });
  return { server, capture, min };
}

describe('control port', () => {
  test('a client with the right cookie runs commands', async () => {
    const { server, min } = await startNode();
    const conn = await connectToNode('meerkat@localhost', COOKIE, {
      portMin: min,
      portMax: min,
      timeoutMs: 2000,
    });
    assert.deepEqual(await conn.call('ping', []), {
      type: 'result',
      id: 1,
      text: 'pong',
      json: { result: 'pong' },
      exitCode: 0,
    });
    const reg = await conn.call('register', ['bob', 'localhost', 'pw']);
    assert.equal(reg.type === 'result' && reg.text, 'User bob@localhost successfully registered');
    const again = await conn.call('register', ['bob', 'localhost', 'pw']);
    assert.deepEqual(again, {
      type: 'error',
      id: 3,
      kind: 'command',
      message: 'User bob@localhost already registered',
    });
    const unknown = await conn.call('frobnicate', []);
    assert.equal(unknown.type === 'error' && unknown.kind, 'unknown_command');
    const usage = await conn.call('register', ['bob']);
    assert.equal(
      usage.type === 'error' && usage.message,
      'missing argument HOST (a virtual host served by this node)',
    );
    conn.close();
    await server.close();
  });

  test('a wrong cookie is refused, logged with the peer address, and runs nothing', async () => {
    const { server, capture, min } = await startNode();
    await assert.rejects(
      connectToNode('meerkat@localhost', 'not-the-cookie', {
        portMin: min,
        portMax: min,
        timeoutMs: 2000,
      }),
      (err: Error) => err instanceof ConnectError && /refused.*wrong cookie/.test(err.message),
    );
    const failures = capture.has('control_auth_failed');
    assert.equal(failures.length, 1);
    assert.match(String(failures[0]!.peer), /^127\.0\.0\.1:\d+$/);
    assert.equal(capture.has('admin_command').length, 0);
    await server.close();
  });

  test('the cookie never crosses the wire in either direction', async () => {
    const { server, min } = await startNode();
    const proxyPort = await freePort();
    const seen: Buffer[] = [];
    const proxy = createServer((client: Socket) => {
      const upstream = connect(min, '127.0.0.1');
      client.on('data', (d) => {
        seen.push(d);
        upstream.write(d);
      });
      upstream.on('data', (d) => {
        seen.push(d);
        client.write(d);
      });
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((r) => proxy.listen(proxyPort, '127.0.0.1', r));
    const conn = await connectToNode('meerkat@localhost', COOKIE, {
      portMin: proxyPort,
      portMax: proxyPort,
      timeoutMs: 2000,
    });
    assert.equal((await conn.call('ping', [])).type, 'result');
    conn.close();
    const wire = Buffer.concat(seen);
    assert.ok(wire.length > 100, 'the proxy saw the handshake');
    for (const form of [
      COOKIE,
      Buffer.from(COOKIE).toString('hex'),
      Buffer.from(COOKIE).toString('base64'),
    ]) {
      assert.equal(wire.includes(form), false, `cookie visible as ${form}`);
    }
    proxy.close();
    await server.close();
  });

  test('the client finds its node by name among several nodes of one port range', async () => {
    const min = await freePort();
    const a = await startNode('alpha@localhost', min, min + 2);
    const b = await startNode('beta@localhost', min, min + 2);
    assert.ok(b.server.port > a.server.port, 'the second node takes the next free port');
    const conn = await connectToNode('beta@localhost', COOKIE, {
      portMin: min,
      portMax: min + 2,
      timeoutMs: 2000,
    });
    assert.equal(conn.port, b.server.port);
    const st = await conn.call('status', []);
    assert.match(st.type === 'result' ? st.text : '', /^Node: beta@localhost$/m);
    conn.close();
    await assert.rejects(
      connectToNode('gamma@localhost', COOKIE, { portMin: min, portMax: min + 2, timeoutMs: 2000 }),
      /found alpha@localhost on port \d+, beta@localhost on port \d+/,
    );
    await a.server.close();
    await b.server.close();
  });

  test('a silent or oversized peer is dropped without crashing the server', async () => {
    const { server, min } = await startNode();
    const silent = connect(min, '127.0.0.1');
    await new Promise<void>((r) => silent.on('close', () => r()));
    const big = connect(min, '127.0.0.1');
    const header = Buffer.alloc(4);
    header.writeUInt32BE(10_000_000);
    big.write(header);
    await new Promise<void>((r) => big.on('close', () => r()));
    const conn = await connectToNode('meerkat@localhost', COOKIE, {
      portMin: min,
      portMax: min,
      timeoutMs: 2000,
    });
    assert.equal((await conn.call('ping', [])).type, 'result');
    conn.close();
    await server.close();
  });

  test('an impostor that does not know the cookie is rejected by the client', async () => {
    const port = await freePort();
    const impostor = createServer((socket) => {
      const conn = new FramedSocket(socket, 4096);
      void (async () => {
        await conn.next(1000);
        conn.send({
          type: 'challenge',
          version: 1,
          node: 'meerkat@localhost',
          nonce: 'ab'.repeat(32),
        });
        await conn.next(1000);
        conn.send({ type: 'welcome', proof: '00'.repeat(32) });
      })().catch(() => socket.destroy());
    });
    await new Promise<void>((r) => impostor.listen(port, '127.0.0.1', r));
    await assert.rejects(
      connectToNode('meerkat@localhost', COOKIE, { portMin: port, portMax: port, timeoutMs: 1000 }),
      /could not prove the cookie/,
    );
    impostor.close();
  });

  test('nobody listening is reported as unreachable', async () => {
    const port = await freePort();
    await assert.rejects(
      connectToNode('meerkat@localhost', COOKIE, { portMin: port, portMax: port, timeoutMs: 1000 }),
      /no node answers on 127\.0\.0\.1 ports \d+\.\.\d+ \(connection refused\)/,
    );
  });
});

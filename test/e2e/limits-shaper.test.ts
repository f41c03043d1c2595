import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { NS_CLIENT } from '../../src/xml/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';
import { stopXmppJs, xml, xmppJs } from '../support/xmpp-js.ts';

// @xmpp/client's WebSocket transport uses the global WebSocket, which Node 20 does not have.
(globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;

const PLAIN = { mechanism: 'PLAIN', starttls: false } as const;
const RATE = 20_000;

// Listeners after the test server's three c2s and two http ones.
const TOML = `
[shaper.slow]
max_rate = ${RATE}

[[listen.c2s]]
port = 5230
tls.mode = "starttls"
allow_plain_without_tls = true
shaper = "slow"

[[listen.c2s]]
port = 5231
tls.mode = "starttls"
allow_plain_without_tls = true
max_connections_per_ip = 3

[[listen.http]]
port = 5282
max_connections_per_ip = 3

[[listen.http]]
port = 5284
ip = "127.0.0.1"
shaper = "slow"

[[listen.c2s]]
port = 5232
proxy_protocol = true
trusted_proxies = ["127.0.0.1"]
max_connections_per_ip = 2

[[listen.c2s]]
port = 5233
shaper = "slow"

[[listen.http]]
port = 5283
trusted_proxies = ["127.0.0.1"]
max_connections_per_ip = 2
`;

let server: TestServer;
let shapedPort: number;
let cappedPort: number;
let cappedHttpPort: number;
let proxiedPort: number;
let proxiedHttpPort: number;
let shapedHttpPort: number;
let shapedTlsPort: number;

before(async () => {
  server = await startTestServer({ toml: TOML, metrics: true });
  [, , , shapedPort = 0, cappedPort = 0, proxiedPort = 0, shapedTlsPort = 0] =
    server.node.c2sPorts();
  [, , cappedHttpPort = 0, shapedHttpPort = 0, proxiedHttpPort = 0] = server.node.httpPorts();
});
after(() => server.stop());

/** Resolves with whatever happened first on a fresh connection: refused (closed) or open. */
function tcpOutcome(
  port: number,
  localAddress: string,
  proxySource?: string,
): Promise<{ s: Socket; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1', localAddress });
    s.on('error', () => {});
    s.once('connect', () => {
      if (proxySource) s.write(`PROXY TCP4 ${proxySource} 127.0.0.1 40000 5222\r\n`);
      // An accepted c2s connection answers a stream header; a refused one is closed unread.
      s.write(
        `<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`,
      );
    });
    s.once('data', () => resolve({ s, closed: false }));
    s.once('close', () => resolve({ s, closed: true }));
    setTimeout(() => reject(new Error('neither data nor close')), 5000).unref();
  });
}

describe('shaper', () => {
  test('100 KiB through a 20000 B/s listener arrives intact, no sooner than the rate allows', async () => {
    await server.register('shaped-alice', 'pw');
    await server.register('shaped-bob', 'pw');
    const bob = await TestClient.connect(server.plainPort);
    await bob.login('shaped-bob', 'pw', { ...PLAIN, resource: 'r' });
    const alice = await TestClient.connect(shapedPort);
    await alice.login('shaped-alice', 'pw', { ...PLAIN, resource: 'r' });

    const bodies = Array.from({ length: 10 }, (_, i) =>
      `${i}:`.padEnd(10 * 1024, String.fromCharCode(97 + i)),
    );
    const wire = bodies
      .map(
        (b, i) =>
          `<message to='shaped-bob@localhost/r' id='m${i}' type='chat'><body>${b}</body></message>`,
      )
      .join('');
    const bytes = Buffer.byteLength(wire);
    assert.ok(bytes >= 100 * 1024);

    const t0 = performance.now();
    alice.sendRaw(wire);
    const got: string[] = [];
    for (let i = 0; i < bodies.length; i++) {
      const m = await bob.expect((el) => el.name === 'message' && el.attrs.id === `m${i}`, 30_000);
      got.push(m.getChild('body', NS_CLIENT)?.text() ?? '');
    }
    const elapsed = performance.now() - t0;
    assert.deepEqual(got, bodies);
    // The bucket held at most one second of credit (RATE bytes) when the write began, and the
    // server parses a chunk only once paid for: the last stanza cannot have been parsed before
    // (bytes - RATE) / RATE seconds. A lower bound: a loaded machine only makes it later.
    // 10 ms of slack for the millisecond rounding of timers.
    const floor = ((bytes - RATE) / RATE) * 1000 - 10;
    assert.ok(floor > 4000);
    assert.ok(elapsed >= floor, `all read after ${Math.round(elapsed)} ms, floor ${floor} ms`);
    alice.close();
    bob.close();
  });
});

describe('shaper after STARTTLS', () => {
  test('the TLS socket that replaces the TCP one is shaped too', async () => {
    await server.register('shaped-tls', 'pw');
    await server.register('shaped-tls-peer', 'pw');
    const peer = await TestClient.connect(server.plainPort);
    await peer.login('shaped-tls-peer', 'pw', { ...PLAIN, resource: 'r' });
    const c = await TestClient.connect(shapedTlsPort);
    await c.login('shaped-tls', 'pw', {
      mechanism: 'SCRAM-SHA-256',
      starttls: true,
      resource: 'r',
    });
    const body = 'z'.repeat(40 * 1024);
    const t0 = performance.now();
    c.sendRaw(`<message to='shaped-tls-peer@localhost/r' id='t1'><body>${body}</body></message>`);
    const m = await peer.expect((el) => el.name === 'message' && el.attrs.id === 't1', 30_000);
    const elapsed = performance.now() - t0;
    assert.equal(m.getChild('body', NS_CLIENT)?.text(), body);
    const floor = ((body.length - RATE) / RATE) * 1000 - 10;
    assert.ok(elapsed >= floor, `read after ${Math.round(elapsed)} ms, floor ${floor} ms`);
    c.close();
    peer.close();
  });
});

describe('shaper on WebSocket', () => {
  test('messages from a shaped WebSocket arrive intact, no sooner than the rate allows', async () => {
    await server.register('shaped-ws', 'pw');
    await server.register('shaped-ws-peer', 'pw');
    const peer = await TestClient.connect(server.plainPort);
    await peer.login('shaped-ws-peer', 'pw', { ...PLAIN, resource: 'r' });
    const web = await xmppJs({
      service: `ws://127.0.0.1:${shapedHttpPort}/ws-xmpp`,
      username: 'shaped-ws',
      password: 'pw',
      resource: 'w',
    });
    const bodies = Array.from({ length: 5 }, (_, i) => `${i}:`.padEnd(10 * 1024, 'w'));
    const t0 = performance.now();
    for (const [i, b] of bodies.entries()) {
      await web.send(
        xml('message', { to: 'shaped-ws-peer@localhost/r', id: `w${i}` }, xml('body', {}, b)),
      );
    }
    const got: string[] = [];
    for (let i = 0; i < bodies.length; i++) {
      const m = await peer.expect((el) => el.name === 'message' && el.attrs.id === `w${i}`, 30_000);
      got.push(m.getChild('body', NS_CLIENT)?.text() ?? '');
    }
    const elapsed = performance.now() - t0;
    assert.deepEqual(got, bodies);
    // As over TCP: at most RATE bytes of credit at t0, every message paid for before parsing.
    const floor = ((bodies.length * 10 * 1024 - RATE) / RATE) * 1000 - 10;
    assert.ok(elapsed >= floor, `all read after ${Math.round(elapsed)} ms, floor ${floor} ms`);
    await stopXmppJs(web);
    peer.close();
  });
});

describe('max_connections_per_ip', () => {
  test('c2s: the 4th connection from one address is closed at once; another address is served', async () => {
    const held = [];
    for (let i = 0; i < 3; i++) {
      const r = await tcpOutcome(cappedPort, '127.0.0.1');
      assert.equal(r.closed, false, `connection ${i + 1} accepted`);
      held.push(r.s);
    }
    const fourth = await tcpOutcome(cappedPort, '127.0.0.1');
    assert.equal(fourth.closed, true);
    assert.equal(fourth.s.bytesRead, 0, 'refused before any XML');
    const other = await tcpOutcome(cappedPort, '127.0.0.2');
    assert.equal(other.closed, false);

    // A closed connection gives its slot back (the server sees the close a moment later).
    held.pop()?.destroy();
    let again = await tcpOutcome(cappedPort, '127.0.0.1');
    for (let i = 0; again.closed && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 20));
      again = await tcpOutcome(cappedPort, '127.0.0.1');
    }
    assert.equal(again.closed, false);

    const metrics = await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text();
    const refused = /meerkat_connections_refused_total\{listener="c2s"\} (\d+)/.exec(metrics);
    assert.ok(Number(refused?.[1]) >= 1, metrics);
    for (const s of [...held, other.s, again.s]) s.destroy();
  });

  test('http: the 4th WebSocket from one address is refused; another address is served', async () => {
    const open = (localAddress: string) => openWs(cappedHttpPort, { localAddress });
    const held = [];
    for (let i = 0; i < 3; i++) {
      const r = await open('127.0.0.1');
      assert.equal(r.opened, true, `WebSocket ${i + 1} opened`);
      held.push(r.ws);
    }
    assert.equal((await open('127.0.0.1')).opened, false);
    const other = await open('127.0.0.2');
    assert.equal(other.opened, true);
    const metrics = await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text();
    assert.match(metrics, /meerkat_connections_refused_total\{listener="http"\} [1-9]/);
    for (const ws of [...held, other.ws]) ws.terminate();
  });
});

function openWs(
  port: number,
  opts: { localAddress?: string; headers?: Record<string, string> },
): Promise<{ ws: WebSocket; opened: boolean }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws-xmpp`, 'xmpp', opts);
    ws.once('open', () => resolve({ ws, opened: true }));
    ws.once('error', () => resolve({ ws, opened: false }));
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      ws.terminate();
      resolve({ ws, opened: false });
    });
  });
}

describe('max_connections_per_ip counts the real client, not the proxy', () => {
  test('c2s behind PROXY protocol: the cap applies to the header source address', async () => {
    const a1 = await tcpOutcome(proxiedPort, '127.0.0.1', '203.0.113.7');
    const a2 = await tcpOutcome(proxiedPort, '127.0.0.1', '203.0.113.7');
    assert.equal(a1.closed || a2.closed, false);
    const a3 = await tcpOutcome(proxiedPort, '127.0.0.1', '203.0.113.7');
    assert.equal(a3.closed, true, 'third connection of 203.0.113.7 refused');
    // Same proxy, another client: served although the proxy holds two connections already.
    const b = await tcpOutcome(proxiedPort, '127.0.0.1', '203.0.113.8');
    assert.equal(b.closed, false);
    for (const r of [a1, a2, b]) r.s.destroy();
  });

  test('http behind a trusted proxy: WebSockets are counted by X-Forwarded-For', async () => {
    const from = (ip: string) => openWs(proxiedHttpPort, { headers: { 'x-forwarded-for': ip } });
    const held = [await from('198.51.100.1'), await from('198.51.100.1')];
    assert.ok(held.every((r) => r.opened));
    assert.equal((await from('198.51.100.1')).opened, false);
    const other = await from('198.51.100.2');
    assert.equal(other.opened, true);
    for (const r of [...held, other]) r.ws.terminate();
  });
});

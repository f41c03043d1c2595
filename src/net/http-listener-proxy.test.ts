import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { WebSocket } from 'ws';
import { silentLogger } from '../observability/logger.ts';
import { HttpListener, type HttpListenerOptions } from './http-listener.ts';
import { V2_SIGNATURE } from './proxy-protocol.ts';
import { ensureSelfSignedCertificate } from './tls-certificate.ts';

const PROXY = '127.0.0.2';

/** A v2 PROXY header for a TCP/IPv4 client. */
function v2Header(src: string, sport: number): Buffer {
  const h = Buffer.alloc(16 + 12);
  V2_SIGNATURE.copy(h, 0);
  h[12] = 0x21;
  h[13] = 0x11;
  h.writeUInt16BE(12, 14);
  Buffer.from(src.split('.').map(Number)).copy(h, 16);
  Buffer.from([127, 0, 0, 1]).copy(h, 20);
  h.writeUInt16BE(sport, 24);
  h.writeUInt16BE(5280, 26);
  return h;
}

const GET = (path: string, extra = '') =>
  `GET ${path} HTTP/1.1\r\nHost: x\r\n${extra}Connection: close\r\n\r\n`;

async function exchange(socket: Socket, data: (string | Buffer)[]): Promise<string> {
  let got = '';
  socket.on('data', (d) => {
    got += String(d);
  });
  // A refused connection may fail a write (EPIPE): only the close matters.
  socket.on('error', () => {});
  const closed = new Promise((resolve) => socket.once('close', resolve));
  for (const d of data) socket.write(d);
  await closed;
  return got;
}

const body = (response: string) => response.slice(response.indexOf('\r\n\r\n') + 4);

function listener(extra: Partial<HttpListenerOptions>, seen: string[]): HttpListener {
  return new HttpListener({
    ip: '127.0.0.1',
    port: 0,
    paths: { websocket: '/ws-xmpp', health: true },
    trustedProxies: [PROXY],
    proxyProtocol: {},
    maxConnections: 10,
    maxMessageBytes: 1024,
    log: silentLogger(),
    ready: async () => ({ ready: true, reasons: [] }),
    onWebSocket: (ws, client) => {
      seen.push(client.ip);
      ws.close();
    },
    routes: new Map([['/whoami', (_req, res, client) => res.end(client.ip)]]),
    ...extra,
  });
}

describe('HttpListener with proxy_protocol = true', () => {
  const seen: string[] = [];
  let plain: HttpListener;
  let secure: HttpListener;
  let port: number;
  let tlsPort: number;
  let certDir: string;
  before(async () => {
    certDir = await mkdtemp(join(tmpdir(), 'meerkat-http-proxy-'));
    const tls = await ensureSelfSignedCertificate(certDir, ['localhost']);
    plain = listener({}, seen);
    secure = listener({ tls }, seen);
    port = await plain.listen();
    tlsPort = await secure.listen();
  });
  after(async () => {
    for (const l of [plain, secure]) {
      l.destroyAll();
      await l.close();
    }
    await rm(certDir, { recursive: true, force: true });
  });

  const fromProxy = (p = port) => connect({ host: '127.0.0.1', port: p, localAddress: PROXY });

  test('HTTP: the v2 header source is the client address', async () => {
    const r = await exchange(fromProxy(), [v2Header('198.51.100.7', 4000), GET('/whoami')]);
    assert.equal(body(r), '198.51.100.7');
  });

  test('header and request in separate writes; /ready answers', async () => {
    const s = fromProxy();
    const r = exchange(s, ['PROXY TCP4 198.51.100.8 127.0.0.1 4000 5280\r\n']);
    await new Promise((res) => setTimeout(res, 20));
    s.write(GET('/ready'));
    assert.match(await r, /^HTTP\/1.1 200/);
  });

  test('X-Forwarded-For is believed when the PROXY source is itself a trusted proxy', async () => {
    const req = GET('/whoami', 'X-Forwarded-For: 203.0.113.1\r\n');
    const trusted = await exchange(fromProxy(), [v2Header(PROXY, 4000), req]);
    assert.equal(body(trusted), '203.0.113.1');
    const client = await exchange(fromProxy(), [v2Header('198.51.100.9', 4000), req]);
    assert.equal(body(client), '198.51.100.9');
  });

  test('HTTPS: the header comes before the TLS handshake', async () => {
    const raw = fromProxy(tlsPort);
    raw.write(v2Header('198.51.100.10', 4000));
    const s = tlsConnect({ socket: raw, rejectUnauthorized: false });
    await once(s, 'secureConnect');
    assert.equal(body(await exchange(s, [GET('/whoami')])), '198.51.100.10');
  });

  test('WebSocket sessions get the header source as their address', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws-xmpp`, ['xmpp'], {
      createConnection: () => {
        const s = fromProxy();
        s.write('PROXY TCP4 198.51.100.11 127.0.0.1 4000 5280\r\n');
        return s;
      },
    });
    ws.on('error', () => {});
    await once(ws, 'close');
    assert.equal(seen.at(-1), '198.51.100.11');
  });

  test('refused: a peer that is not a trusted proxy, or no header', async () => {
    const untrusted = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.1' });
    assert.equal(await exchange(untrusted, [v2Header('198.51.100.7', 1), GET('/whoami')]), '');
    assert.equal(await exchange(fromProxy(), [GET('/whoami')]), '');
  });
});

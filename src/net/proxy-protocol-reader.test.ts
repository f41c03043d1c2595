import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { type ProxyReadOptions, readProxyHeader } from './proxy-protocol-reader.ts';
import { proxyTrust } from './trusted-proxies.ts';

interface Logged {
  what: string;
  reason: string;
}

/** A server that reads the PROXY header, then echoes what follows it. */
function harness(trusted: string[], extra: Partial<ProxyReadOptions> = {}) {
  const logs: Logged[] = [];
  const results: (string | undefined)[] = [];
  const server: Server = createServer((socket) => {
    const log = { warn: (o: object) => logs.push(o as Logged) };
    void readProxyHeader(socket, { trust: proxyTrust(trusted), log, kind: 'c2s', ...extra }).then(
      (ip) => {
        results.push(ip);
        if (ip === undefined) return;
        socket.on('data', (d) => socket.write(d));
        socket.resume();
      },
    );
  });
  return { server, logs, results };
}

async function dial(server: Server): Promise<Socket> {
  const port = (server.address() as { port: number }).port;
  const c = connect({ port, host: '127.0.0.1' });
  await once(c, 'connect');
  return c;
}

async function readUntil(c: Socket, text: string): Promise<string> {
  let got = '';
  for await (const chunk of c) {
    got += String(chunk);
    if (got.includes(text)) return got;
  }
  return got;
}

describe('readProxyHeader on real sockets', () => {
  const trusted = harness(['127.0.0.0/8']);
  const untrusted = harness(['10.0.0.0/8']);
  const slow = harness(['127.0.0.1'], { timeoutMs: 50 });
  before(async () => {
    for (const h of [trusted, untrusted, slow]) {
      h.server.listen(0, '127.0.0.1');
      await once(h.server, 'listening');
    }
  });
  after(() => {
    for (const h of [trusted, untrusted, slow]) h.server.close();
  });

  test('a header split over writes, the stream bytes in the same write as its end', async () => {
    const c = await dial(trusted.server);
    c.write('PROXY TCP4 203.0.113.7 ');
    await new Promise((r) => setTimeout(r, 20));
    c.write('192.0.2.1 40000 5222\r\n<stream');
    c.write(' rest>');
    assert.equal(await readUntil(c, 'rest>'), '<stream rest>');
    assert.equal(trusted.results.at(-1), '203.0.113.7');
    c.destroy();
  });

  test('v1 UNKNOWN keeps the peer address', async () => {
    const c = await dial(trusted.server);
    c.write('PROXY UNKNOWN\r\nhello');
    assert.equal(await readUntil(c, 'hello'), 'hello');
    assert.equal(trusted.results.at(-1), '127.0.0.1');
    c.destroy();
  });

  test('an untrusted peer is refused before it sends anything', async () => {
    const c = await dial(untrusted.server);
    c.write('PROXY TCP4 203.0.113.7 192.0.2.1 40000 5222\r\n');
    await once(c, 'close');
    assert.deepEqual(untrusted.results, [undefined]);
    assert.equal(untrusted.logs[0]?.what, 'proxy_header_refused');
    assert.equal(untrusted.logs[0]?.reason, 'untrusted_peer');
  });

  test('a stream without a header is refused', async () => {
    const c = await dial(trusted.server);
    c.write("<?xml version='1.0'?><stream:stream>");
    await once(c, 'close');
    assert.equal(trusted.results.at(-1), undefined);
    assert.equal(trusted.logs.at(-1)?.what, 'proxy_header_refused');
  });

  test('a header that does not arrive is refused after the deadline', async () => {
    const c = await dial(slow.server);
    c.write('PROXY TCP4 ');
    await once(c, 'close');
    assert.equal(slow.logs.at(-1)?.reason, 'timeout');
  });
});

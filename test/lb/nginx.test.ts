import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import type { TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';
import { stopXmppJs, xml, xmppJs } from '../support/xmpp-js.ts';
import { chat, documentedPorts, findSession, PW, startLbNode, TAG } from './support/lb-nodes.ts';
import { type Nginx, startNginx } from './support/nginx.ts';

// @xmpp/client's WebSocket transport uses the global WebSocket, which Node 20 does not have.
(globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;

/** Nginx connects to the nodes from this address (proxy_bind); clients from 127.0.0.1. */
const NGINX_SOURCE = '127.0.0.3';
const u = (name: string) => `${name}${TAG}`;
const bare = (name: string) => `${u(name)}@localhost`;

describe('Nginx (stream proxy with PROXY protocol, WebSocket proxy) in front of two nodes', () => {
  let a: TestServer;
  let b: TestServer;
  let nginx: Nginx;
  const nodes = () => [a, b] as const;

  before(async () => {
    a = await startLbNode('node-nginx', '10.0.0.3', NGINX_SOURCE);
    b = await startLbNode('node-nginx', '10.0.0.3', NGINX_SOURCE);
    nginx = await startNginx([documentedPorts(a), documentedPorts(b)], { source: NGINX_SOURCE });
    for (const name of ['tcpuser', 'tcp2', 'web2', 'tcp3', 'web3']) await b.register(u(name), PW);
  });

  after(async () => {
    await nginx?.stop();
    await a?.stop();
    await b?.stop();
  });

  test('c2s through the stream proxy: the PROXY v1 header gives the node the client address', async () => {
    const c = await TestClient.connect(nginx.port);
    await c.login(u('tcpuser'), PW, { mechanism: 'PLAIN', resource: 't' });
    const found = findSession(nodes(), bare('tcpuser'));
    assert.ok(found);
    assert.equal(found.session.ip, '127.0.0.1');
    c.close();
  });

  test('@xmpp/client over WebSocket through Nginx: X-Forwarded-For from the trusted proxy is the address; messages flow with a TCP user', async () => {
    const web = await xmppJs({
      service: `ws://127.0.0.1:${nginx.httpPort}/ws-xmpp`,
      username: u('web2'),
      password: PW,
      resource: 'w',
    });
    let tcp: TestClient | undefined;
    try {
      const found = findSession(nodes(), `${bare('web2')}/w`);
      assert.ok(found);
      assert.equal(found.session.transport, 'ws');
      // Nginx connected from 127.0.0.3 and said X-Forwarded-For: 127.0.0.1.
      assert.equal(found.session.ip, '127.0.0.1');

      // These two nodes share storage, not a backbone: the TCP user joins the same node.
      tcp = await TestClient.connect(found.server.plainPort);
      await tcp.login(u('tcp2'), PW, { mechanism: 'PLAIN', starttls: false, resource: 't' });
      const got = tcp.expect((el) => el.name === 'message' && el.attrs.id === 'w1');
      await web.send(
        xml('message', { to: `${bare('tcp2')}/t`, type: 'chat', id: 'w1' }, xml('body', {}, 'hi')),
      );
      assert.equal((await got).getChildText('body'), 'hi');
      const back = new Promise<string>((resolve) => {
        web.on('stanza', (s) => {
          if (s.is('message')) resolve(s.getChildText('body') ?? '');
        });
      });
      tcp.send(chat(`${bare('web2')}/w`, 'over nginx'));
      assert.equal(await back, 'over nginx');
    } finally {
      await stopXmppJs(web);
      tcp?.close();
    }
  });

  test('drain: a WebSocket client reconnects through Nginx to the other node; messages sent meanwhile arrive', async () => {
    const web = await xmppJs({
      service: `ws://127.0.0.1:${nginx.httpPort}/ws-xmpp`,
      username: u('web3'),
      password: PW,
      resource: 'w',
    });
    const bodies = new Set<string>();
    const total = 30;
    let all!: () => void;
    const complete = new Promise<void>((r) => {
      all = r;
    });
    web.on('stanza', (s) => {
      if (!s.is('message')) return;
      bodies.add(s.getChildText('body') ?? '');
      if (bodies.size === total) all();
    });
    // Initial presence at every login: offline messages come at the next available presence.
    web.on('online', () => void web.send(xml('presence')).catch(() => {}));
    await web.send(xml('presence'));
    // @xmpp/client's own reconnect (the helper turns it off by default).
    // (typed in test/types with stop() only).
    (web.reconnect as unknown as { start(): void }).start();
    let tcp: TestClient | undefined;
    try {
      const found = findSession(nodes(), bare('web3'));
      assert.ok(found);
      const drained = found.server;
      const other = drained === a ? b : a;
      tcp = await TestClient.connect(other.plainPort);
      await tcp.login(u('tcp3'), PW, { mechanism: 'PLAIN', starttls: false });
      let sent = 0;
      const sending = (async () => {
        while (sent < total) {
          tcp.send(chat(bare('web3'), `n${++sent}`));
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      while (sent < 5) await new Promise((r) => setTimeout(r, 20));
      const report = await drained.node.drain({ batchPercent: 100, intervalMs: 100 });
      assert.equal(report.remaining, 0);
      await sending;
      await Promise.race([
        complete,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error(`got ${[...bodies].join(' ')}`)), 15_000).unref(),
        ),
      ]);
      assert.equal(findSession(nodes(), bare('web3'))?.server, other);
      assert.equal(findSession(nodes(), bare('web3'))?.session.ip, '127.0.0.1');
      assert.equal(bodies.size, total);
    } finally {
      web.reconnect.stop();
      await stopXmppJs(web);
      tcp?.close();
    }
  });
});

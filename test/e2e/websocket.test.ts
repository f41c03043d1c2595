import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Element as LtxElement } from '@xmpp/xml';
import { WebSocket } from 'ws';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';
import { stopXmppJs, xml, xmppJs } from '../support/xmpp-js.ts';

// @xmpp/client's WebSocket transport uses the global WebSocket, which Node 20 does not have.
(globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;

type XmppJs = Awaited<ReturnType<typeof xmppJs>>;

function nextStanza(xmpp: XmppJs, pred: (s: LtxElement) => boolean): Promise<LtxElement> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out waiting for a stanza')), 5000);
    const onStanza = (s: LtxElement) => {
      if (!pred(s)) return;
      clearTimeout(timer);
      xmpp.removeListener('stanza', onStanza);
      resolve(s);
    };
    xmpp.on('stanza', onStanza);
  });
}

/** A TCP user (our own client) and a WebSocket user (@xmpp/client) exchange messages both ways. */
async function exchangeWithTcpUser(
  server: TestServer,
  service: string,
  wsUser: string,
  tcpUser: string,
): Promise<XmppJs> {
  const tcp = await TestClient.connect(server.plainPort);
  await tcp.login(tcpUser, 'pw-tcp', { mechanism: 'PLAIN', starttls: false, resource: 't' });
  const web = await xmppJs({ service, username: wsUser, password: 'pw-ws', resource: 'w' });
  try {
    assert.equal(web.jid?.toString(), `${wsUser}@localhost/w`);
    const toTcp = tcp.expect((el) => el.name === 'message' && el.attrs.id === 'w1', 5000);
    await web.send(
      xml(
        'message',
        { to: `${tcpUser}@localhost/t`, type: 'chat', id: 'w1' },
        xml('body', {}, 'from ws'),
      ),
    );
    const got = await toTcp;
    assert.equal(got.attrs.from, `${wsUser}@localhost/w`);
    assert.equal(got.getChild('body')?.text(), 'from ws');

    const toWeb = nextStanza(web, (s) => s.is('message') && s.attrs.id === 't1');
    tcp.sendRaw(
      `<message to='${wsUser}@localhost/w' type='chat' id='t1'><body>from tcp</body></message>`,
    );
    const back = await toWeb;
    assert.equal(back.attrs.from, `${tcpUser}@localhost/t`);
    assert.equal(back.getChildText('body'), 'from tcp');
    return web;
  } finally {
    tcp.close();
  }
}

describe('XMPP over WebSocket (RFC 7395) with @xmpp/client', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    for (const u of ['wsa', 'wsb']) await server.register(u, 'pw-ws');
    for (const u of ['tcpa', 'tcpb']) await server.register(u, 'pw-tcp');
  });
  after(async () => {
    await server.stop();
  });

  test('ws:// login, then messages both ways with a TCP user; the session is a ws session', async () => {
    const web = await exchangeWithTcpUser(
      server,
      `ws://127.0.0.1:${server.httpPort}/ws-xmpp`,
      'wsa',
      'tcpa',
    );
    try {
      const sessions = server.node.admin.sessions.list();
      const mine = sessions.find((s) => s.jid === 'wsa@localhost/w');
      assert.equal(mine?.transport, 'ws');
      assert.equal(mine?.ip, '127.0.0.1');
    } finally {
      await stopXmppJs(web);
    }
  });

  test('wss:// (HTTPS listener) login, then messages both ways with a TCP user', async () => {
    const web = await exchangeWithTcpUser(
      server,
      `wss://127.0.0.1:${server.httpsPort}/ws-xmpp`,
      'wsb',
      'tcpb',
    );
    await stopXmppJs(web);
  });
});

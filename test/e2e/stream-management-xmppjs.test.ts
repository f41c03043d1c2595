import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@xmpp/client';
import type { Element as LtxElement } from '@xmpp/xml';
import { NS_CLIENT, NS_PING, x } from '../../src/xml/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';
import { stopXmppJs, xml, xmppJs } from '../support/xmpp-js.ts';

/** The parts of @xmpp/stream-management the test reads (its typings do not export them). */
interface SmView {
  enabled: boolean;
  id: string;
  on(event: 'ack' | 'resumed', cb: (stanza?: LtxElement) => void): void;
}

const sm = (c: Client) => (c as unknown as { streamManagement: SmView }).streamManagement;

function waitFor<T>(register: (done: (v: T) => void) => void, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), 15_000);
    register((v) => {
      clearTimeout(timer);
      resolve(v);
    });
  });
}

function chat(to: string, text: string) {
  return x('message', NS_CLIENT, { to, type: 'chat' }, x('body', NS_CLIENT, {}, text));
}

describe('XEP-0198 with @xmpp/client', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(); // default modules include mod_stream_management
    await server.register('smjs', 'pw-smjs');
    await server.register('smbob', 'pw-smbob');
  });
  after(async () => {
    await server.stop();
  });

  test('enables stream management, gets acks, and resumes after its socket is cut', async () => {
    const alice = await xmppJs({
      service: `xmpp://127.0.0.1:${server.plainPort}`,
      username: 'smjs',
      password: 'pw-smjs',
      resource: 'phone',
      mechanism: 'PLAIN',
    });
    const bob = await TestClient.connect(server.plainPort);
    await bob.login('smbob', 'pw-smbob', { mechanism: 'PLAIN', starttls: false, resource: 'b' });
    try {
      const aliceJid = alice.jid!.toString();
      assert.equal(aliceJid, 'smjs@localhost/phone');
      assert.equal(sm(alice).enabled, true);
      assert.ok(sm(alice).id, 'resumable: the server gave an SM-ID');

      // The library requests an ack for what it sends; the server's <a/> confirms it.
      const acked = waitFor<LtxElement | undefined>((done) => sm(alice).on('ack', done), 'ack');
      await alice.send(xml('message', { to: bob.jid, type: 'chat' }, xml('body', {}, 'hi bob')));
      assert.equal((await acked)?.getChildText('body'), 'hi bob');
      await bob.expect((el) => el.getChildText('body', NS_CLIENT) === 'hi bob');

      const session = server.node.sm.all().find((s) => s.jid.toString() === aliceJid);
      assert.ok(session);
      const detached = () => (session as unknown as { detached: boolean }).detached;
      // After STARTTLS the library's socket wraps the TLS socket: cut the TCP connection under it.
      const wrapper = (alice as unknown as { socket: { socket?: Socket } & Partial<Socket> })
        .socket;
      (wrapper.socket ?? (wrapper as Socket)).destroy();
      for (let i = 0; i < 200 && !detached(); i++) await new Promise((r) => setTimeout(r, 25));
      assert.ok(detached(), 'the server keeps the session for a resumption');

      // Sent while the client is away: delivered once it resumes.
      bob.send(chat(aliceJid, 'while away'));
      await bob.iq(x('iq', NS_CLIENT, { type: 'get', to: 'localhost' }, x('ping', NS_PING)));

      const resumed = waitFor<void>((done) => sm(alice).on('resumed', () => done()), 'resumed');
      const away = waitFor<LtxElement>((done) => {
        alice.on('stanza', (s: LtxElement) => {
          if (s.is('message') && s.getChildText('body') === 'while away') done(s);
        });
      }, 'the message sent while away');
      await (alice.reconnect as unknown as { reconnect(): Promise<void> }).reconnect();
      await resumed;
      await away;
      assert.equal(alice.jid?.toString(), aliceJid, 'same full JID');
      assert.equal(
        server.node.sm.all().find((s) => s.jid.toString() === aliceJid),
        session,
        'the same server session continues',
      );
      // And the resumed stream works both ways.
      await alice.send(xml('message', { to: bob.jid, type: 'chat' }, xml('body', {}, 'back')));
      await bob.expect((el) => el.getChildText('body', NS_CLIENT) === 'back');
    } finally {
      await stopXmppJs(alice);
      bob.close();
    }
  });
});

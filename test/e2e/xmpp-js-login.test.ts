import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Element as LtxElement } from '@xmpp/xml';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { stopXmppJs, xml, xmppJs } from '../support/xmpp-js.ts';

function nextStanza(
  xmpp: {
    on: (e: 'stanza', f: (s: LtxElement) => void) => void;
    removeListener: (e: string, f: (s: LtxElement) => void) => void;
  },
  pred: (s: LtxElement) => boolean,
): Promise<LtxElement> {
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

describe('@xmpp/client end to end', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    await server.register('alice', 'wonderland');
    await server.register('bob', 'builder');
  });
  after(async () => {
    await server.stop();
  });

  test('STARTTLS + SCRAM-SHA-1: two users exchange messages and presence', async () => {
    const alice = await xmppJs({
      service: `xmpp://127.0.0.1:${server.port}`,
      username: 'alice',
      password: 'wonderland',
      resource: 'a',
      mechanism: 'SCRAM-SHA-1',
    });
    const bob = await xmppJs({
      service: `xmpp://127.0.0.1:${server.port}`,
      username: 'bob',
      password: 'builder',
      resource: 'b',
      mechanism: 'SCRAM-SHA-1',
    });
    try {
      assert.equal(alice.jid?.toString(), 'alice@localhost/a');
      assert.ok((alice as unknown as { isSecure(): boolean }).isSecure(), 'STARTTLS negotiated');
      await bob.send(xml('presence', {}, xml('priority', {}, '1')));
      const gotMessage = nextStanza(bob, (s) => s.is('message'));
      await alice.send(
        xml(
          'message',
          { to: 'bob@localhost', type: 'chat', id: 'm1' },
          xml('body', {}, 'hello bob'),
        ),
      );
      const msg = await gotMessage;
      assert.equal(msg.attrs.from, 'alice@localhost/a');
      assert.equal(msg.getChildText('body'), 'hello bob');

      const gotPresence = nextStanza(alice, (s) => s.is('presence'));
      await bob.send(xml('presence', { to: 'alice@localhost/a' }, xml('status', {}, 'building')));
      const presence = await gotPresence;
      assert.equal(presence.attrs.from, 'bob@localhost/b');
      assert.equal(presence.getChildText('status'), 'building');

      const gotByAlice = nextStanza(alice, (s) => s.is('message'));
      await bob.send(
        xml('message', { to: 'alice@localhost/a', type: 'chat' }, xml('body', {}, 'hi alice')),
      );
      assert.equal((await gotByAlice).getChildText('body'), 'hi alice');
    } finally {
      await stopXmppJs(alice);
      await stopXmppJs(bob);
    }
  });

  test('direct TLS (XEP-0368) + PLAIN logs in and talks to a STARTTLS user', async () => {
    const alice = await xmppJs({
      service: `xmpps://127.0.0.1:${server.tlsPort}`,
      username: 'alice',
      password: 'wonderland',
      resource: 'tls',
      mechanism: 'PLAIN',
    });
    const bob = await xmppJs({
      service: `xmpp://127.0.0.1:${server.port}`,
      username: 'bob',
      password: 'builder',
      resource: 'plain',
    });
    try {
      assert.equal(alice.jid?.toString(), 'alice@localhost/tls');
      const got = nextStanza(bob, (s) => s.is('message'));
      await alice.send(
        xml(
          'message',
          { to: 'bob@localhost/plain', type: 'chat' },
          xml('body', {}, 'over direct TLS'),
        ),
      );
      assert.equal((await got).getChildText('body'), 'over direct TLS');
    } finally {
      await stopXmppJs(alice);
      await stopXmppJs(bob);
    }
  });

  test('a wrong password gets <not-authorized/>', async () => {
    await assert.rejects(
      xmppJs({
        service: `xmpp://127.0.0.1:${server.port}`,
        username: 'alice',
        password: 'wrong',
        mechanism: 'SCRAM-SHA-1',
      }),
      (err: Error & { condition?: string }) => {
        assert.equal(err.condition, 'not-authorized');
        return true;
      },
    );
  });

  test('an unknown user gets the same <not-authorized/> as a wrong password', async () => {
    await assert.rejects(
      xmppJs({
        service: `xmpp://127.0.0.1:${server.port}`,
        username: 'nobody',
        password: 'x',
        mechanism: 'PLAIN',
      }),
      (err: Error & { condition?: string }) => err.condition === 'not-authorized',
    );
  });
});

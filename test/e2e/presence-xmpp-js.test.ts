import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@xmpp/client';
import type { Element as LtxElement } from '@xmpp/xml';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { stopXmppJs, xml, xmppJs } from '../support/xmpp-js.ts';

function next(xmpp: Client, pred: (s: LtxElement) => boolean): Promise<LtxElement> {
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

const isPresence = (from: string, type?: string) => (s: LtxElement) =>
  s.is('presence') && s.attrs.from === from && s.attrs.type === type;

const pushOf = (jid: string, subscription: string) => (s: LtxElement) =>
  s.is('iq') &&
  s.attrs.type === 'set' &&
  s.getChild('query', 'jabber:iq:roster')?.getChild('item')?.attrs.jid === jid &&
  s.getChild('query', 'jabber:iq:roster')?.getChild('item')?.attrs.subscription === subscription;

describe('subscriptions and presence with @xmpp/client', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    await server.register('romeo', 'pw');
    await server.register('juliet', 'pw');
  });
  after(async () => {
    await server.stop();
  });

  test('romeo asks, juliet approves, both see presence and the roster, then logout unavailable', async () => {
    const service = `xmpp://127.0.0.1:${server.plainPort}`;
    const romeo = await xmppJs({
      service,
      username: 'romeo',
      password: 'pw',
      resource: 'r',
      mechanism: 'PLAIN',
    });
    const juliet = await xmppJs({
      service,
      username: 'juliet',
      password: 'pw',
      resource: 'j',
      mechanism: 'PLAIN',
    });
    try {
      const rosterGet = xml('query', { xmlns: 'jabber:iq:roster' });
      await romeo.iqCaller.request(xml('iq', { type: 'get' }, rosterGet));
      await juliet.iqCaller.request(
        xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:roster' })),
      );
      const romeoSelf = next(romeo, isPresence('romeo@localhost/r'));
      await romeo.send(xml('presence'));
      await romeoSelf;
      const julietSelf = next(juliet, isPresence('juliet@localhost/j'));
      await juliet.send(xml('presence'));
      await julietSelf;

      const request = next(juliet, isPresence('romeo@localhost', 'subscribe'));
      await romeo.send(xml('presence', { to: 'juliet@localhost', type: 'subscribe' }));
      await request;

      const romeoTo = next(romeo, pushOf('juliet@localhost', 'to'));
      const julietPresence = next(romeo, isPresence('juliet@localhost/j'));
      const julietFrom = next(juliet, pushOf('romeo@localhost', 'from'));
      await juliet.send(xml('presence', { to: 'romeo@localhost', type: 'subscribed' }));
      await Promise.all([romeoTo, julietPresence, julietFrom]);

      const roster = await romeo.iqCaller.request(
        xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:roster' })),
      );
      const item = roster.getChild('query', 'jabber:iq:roster')?.getChild('item');
      assert.equal(item?.attrs.jid, 'juliet@localhost');
      assert.equal(item?.attrs.subscription, 'to');

      const status = next(romeo, isPresence('juliet@localhost/j'));
      await juliet.send(xml('presence', {}, xml('status', {}, 'on the balcony')));
      assert.equal((await status).getChildText('status'), 'on the balcony');

      const gone = next(romeo, isPresence('juliet@localhost/j', 'unavailable'));
      await stopXmppJs(juliet);
      await gone;
    } finally {
      await stopXmppJs(romeo);
      await stopXmppJs(juliet);
    }
  });
});

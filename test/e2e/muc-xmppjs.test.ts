import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Element as LtxElement } from '@xmpp/xml';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { stopXmppJs, xml, xmppJs } from '../support/xmpp-js.ts';

type Client = Awaited<ReturnType<typeof xmppJs>>;
const ROOM = 'lib@conference.localhost';
const MUC = 'http://jabber.org/protocol/muc';
const MUC_USER = 'http://jabber.org/protocol/muc#user';

function next(c: Client, pred: (s: LtxElement) => boolean): Promise<LtxElement> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out waiting for a stanza')), 5000);
    const on = (s: LtxElement) => {
      if (!pred(s)) return;
      clearTimeout(timer);
      c.removeListener('stanza', on);
      resolve(s);
    };
    c.on('stanza', on);
  });
}

function codes(s: LtxElement): string[] {
  const ext = s.getChild('x', MUC_USER);
  return (ext?.getChildren('status') ?? []).map((c) => String(c.attrs.code)).sort();
}

describe('mod_muc with @xmpp/client', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    await server.register('libalice', 'secret1');
    await server.register('libbob', 'secret2');
  });
  after(async () => {
    await server.stop();
  });

  test('create an instant room, join, exchange groupchat and private messages', async () => {
    const service = `xmpp://127.0.0.1:${server.port}`;
    const a = await xmppJs({ service, username: 'libalice', password: 'secret1', resource: 'a' });
    const b = await xmppJs({ service, username: 'libbob', password: 'secret2', resource: 'b' });
    try {
      const created = next(a, (s) => s.is('presence') && codes(s).includes('110'));
      await a.send(xml('presence', { to: `${ROOM}/alice` }, xml('x', { xmlns: MUC })));
      assert.deepEqual(codes(await created), ['110', '201']);
      // §10.1.2: instant room.
      const res = await a.iqCaller.request(
        xml(
          'iq',
          { type: 'set', to: ROOM },
          xml(
            'query',
            { xmlns: 'http://jabber.org/protocol/muc#owner' },
            xml('x', { xmlns: 'jabber:x:data', type: 'submit' }),
          ),
        ),
      );
      assert.equal(res.attrs.type, 'result');
      const bobSelf = next(b, (s) => s.is('presence') && codes(s).includes('110'));
      const bobSubject = next(b, (s) => s.is('message') && s.getChild('subject') !== undefined);
      const aliceSeesBob = next(a, (s) => s.is('presence') && s.attrs.from === `${ROOM}/bob`);
      await b.send(xml('presence', { to: `${ROOM}/bob` }, xml('x', { xmlns: MUC })));
      assert.equal((await bobSelf).attrs.from, `${ROOM}/bob`);
      await bobSubject;
      assert.equal(
        (await aliceSeesBob).getChild('x', MUC_USER)?.getChild('item')?.attrs.role,
        'participant',
      );
      const toAlice = next(a, (s) => s.is('message') && s.getChildText('body') === 'hi all');
      const toBob = next(b, (s) => s.is('message') && s.getChildText('body') === 'hi all');
      await b.send(xml('message', { to: ROOM, type: 'groupchat' }, xml('body', {}, 'hi all')));
      assert.equal((await toAlice).attrs.from, `${ROOM}/bob`);
      assert.equal((await toBob).attrs.type, 'groupchat');
      const pm = next(b, (s) => s.is('message') && s.getChildText('body') === 'just you');
      await a.send(
        xml('message', { to: `${ROOM}/bob`, type: 'chat' }, xml('body', {}, 'just you')),
      );
      assert.equal((await pm).attrs.from, `${ROOM}/alice`);
      // XEP-0410: self-ping is answered by the service while joined.
      const ping = await b.iqCaller.request(
        xml('iq', { type: 'get', to: `${ROOM}/bob` }, xml('ping', { xmlns: 'urn:xmpp:ping' })),
      );
      assert.equal(ping.attrs.type, 'result');
      const left = next(a, (s) => s.attrs.from === `${ROOM}/bob` && s.attrs.type === 'unavailable');
      await b.send(xml('presence', { to: `${ROOM}/bob`, type: 'unavailable' }));
      await left;
    } finally {
      await stopXmppJs(a);
      await stopXmppJs(b);
    }
  });
});

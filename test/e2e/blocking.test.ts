import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type Element,
  NS_BLOCKING,
  NS_BLOCKING_ERRORS,
  NS_CLIENT,
  NS_DISCO_INFO,
  NS_STANZAS,
  NS_VCARD,
  x,
} from '../../src/xml/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';
import { stopXmppJs, xml, xmppJs } from '../support/xmpp-js.ts';

function errorCondition(reply: Element): string | undefined {
  return reply
    .getChild('error', NS_CLIENT)
    ?.elements()
    .find((e) => e.ns === NS_STANZAS && e.name !== 'text')?.name;
}

const blocklistGet = () => x('iq', NS_CLIENT, { type: 'get' }, x('blocklist', NS_BLOCKING));
const items = (jids: string[]) => jids.map((jid) => x('item', NS_BLOCKING, { jid }));
const blockIq = (...jids: string[]) =>
  x('iq', NS_CLIENT, { type: 'set' }, x('block', NS_BLOCKING, {}, ...items(jids)));
const unblockIq = (...jids: string[]) =>
  x('iq', NS_CLIENT, { type: 'set' }, x('unblock', NS_BLOCKING, {}, ...items(jids)));
const chat = (to: string, body: string) =>
  x('message', NS_CLIENT, { to, type: 'chat', id: `m-${body}` }, x('body', NS_CLIENT, {}, body));

function blockedJids(reply: Element): string[] {
  const list = reply.getChild('blocklist', NS_BLOCKING);
  return list ? list.getChildren('item', NS_BLOCKING).map((i) => i.attrs.jid ?? '') : [];
}

/** An IQ round trip: everything the server wrote before its reply has arrived by then. */
async function flush(c: TestClient): Promise<void> {
  const r = await c.iq(blocklistGet());
  assert.equal(r.attrs.type, 'result');
}

describe('mod_blocking (XEP-0191)', () => {
  let server: TestServer;
  const clients: TestClient[] = [];
  const login = async (user: string, resource = 'r'): Promise<TestClient> => {
    const c = await TestClient.connect(server.plainPort);
    clients.push(c);
    await c.login(user, 'pw', { mechanism: 'PLAIN', starttls: false, resource });
    return c;
  };
  const online = async (user: string, resource = 'r'): Promise<TestClient> => {
    const c = await login(user, resource);
    c.send(x('presence', NS_CLIENT));
    await flush(c);
    return c;
  };

  before(async () => {
    server = await startTestServer();
    const users = ['a1', 'b1', 'a2', 'b2', 'c2', 'a3', 'b3', 'a4', 'b4', 'c4', 'a5', 'b5', 'a6'];
    for (const u of users) await server.register(u, 'pw');
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await server.stop();
  });

  test('block, list, unblock one and unblock all; pushes go to resources that asked', async () => {
    const r1 = await login('a1', 'one');
    const r2 = await login('a1', 'two');
    const r3 = await login('a1', 'three');
    assert.deepEqual(blockedJids(await r1.iq(blocklistGet())), []);
    await r3.iq(blocklistGet()); // r2 never asks: it must get no pushes (§3.3)
    const res = await r1.iq(blockIq('b1@localhost', 'spam.example', 'x@evil.example/bot'));
    assert.equal(res.attrs.type, 'result');
    for (const c of [r1, r3]) {
      const push = await c.expect((el) => el.name === 'iq' && !!el.getChild('block', NS_BLOCKING));
      assert.equal(push.attrs.type, 'set');
      assert.equal(push.attrs.to, c.jid);
      assert.equal(push.getChild('block', NS_BLOCKING)?.getChildren('item').length, 3);
    }
    assert.deepEqual(blockedJids(await r2.iq(blocklistGet())), [
      'b1@localhost',
      'spam.example',
      'x@evil.example/bot',
    ]);
    assert.equal(
      r2.pending().filter((el) => el.name === 'iq' && el.attrs.type === 'set').length,
      0,
      'no push to a resource that did not request the blocklist',
    );
    await r1.iq(unblockIq('spam.example'));
    const unpush = await r3.expect((el) => !!el.getChild('unblock', NS_BLOCKING));
    assert.deepEqual(
      unpush
        .getChild('unblock', NS_BLOCKING)
        ?.getChildren('item')
        .map((i) => i.attrs.jid),
      ['spam.example'],
    );
    assert.deepEqual(blockedJids(await r1.iq(blocklistGet())), [
      'b1@localhost',
      'x@evil.example/bot',
    ]);
    await r1.iq(unblockIq());
    const all = await r3.expect((el) => !!el.getChild('unblock', NS_BLOCKING));
    assert.equal(all.getChild('unblock', NS_BLOCKING)?.elements().length, 0);
    assert.deepEqual(blockedJids(await r1.iq(blocklistGet())), []);
  });

  test('a blocked sender: message and IQ get service-unavailable, presence vanishes', async () => {
    const a = await online('a2');
    const b = await online('b2');
    const c = await online('c2');
    await a.iq(blockIq('b2@localhost'));
    b.send(chat('a2@localhost', 'hello'));
    const err = await b.expect((el) => el.name === 'message' && el.attrs.type === 'error');
    assert.equal(errorCondition(err), 'service-unavailable');
    assert.equal(err.attrs.from, 'a2@localhost');
    const iqErr = await b.iq(
      x('iq', NS_CLIENT, { type: 'get', to: a.jid }, x('query', 'jabber:iq:version')),
    );
    assert.equal(errorCondition(iqErr), 'service-unavailable');
    const vcard = await b.iq(
      x('iq', NS_CLIENT, { type: 'get', to: 'a2@localhost' }, x('vCard', NS_VCARD)),
    );
    assert.equal(errorCondition(vcard), 'service-unavailable');
    b.send(x('presence', NS_CLIENT, { to: 'a2@localhost' }));
    await flush(b);
    assert.equal(
      b.pending().filter((el) => el.attrs.type === 'error').length,
      0,
      'presence to a blocking user gets no error (§3.3)',
    );
    // A message from someone else arrives; nothing from the blocked contact came before it.
    c.send(chat('a2@localhost', 'from-c'));
    await a.expect((el) => el.name === 'message' && el.getChildText('body') === 'from-c');
    await flush(a);
    const fromB = a.pending().filter((el) => el.attrs.from?.startsWith('b2@localhost'));
    assert.deepEqual(fromB, [], 'no stanza of the blocked contact was delivered');
  });

  test('sending to a blocked contact bounces with not-acceptable + <blocked/>', async () => {
    const a = await online('a3');
    await online('b3');
    await a.iq(blockIq('b3@localhost'));
    a.send(chat('b3@localhost', 'can you hear me'));
    const err = await a.expect((el) => el.name === 'message' && el.attrs.type === 'error');
    assert.equal(errorCondition(err), 'not-acceptable');
    assert.ok(err.getChild('error', NS_CLIENT)?.getChild('blocked', NS_BLOCKING_ERRORS));
    assert.equal(err.getChildText('body'), 'can you hear me');
    const iqErr = await a.iq(
      x('iq', NS_CLIENT, { type: 'get', to: 'b3@localhost' }, x('vCard', NS_VCARD)),
    );
    assert.equal(errorCondition(iqErr), 'not-acceptable');
  });

  test('blocking sends unavailable to a subscribed contact; broadcasts stop; unblock restores', async () => {
    const a = await online('a4');
    const b = await online('b4');
    const c = await online('c4');
    // b4 and c4 subscribe to a4's presence (RFC 6121 §3.1).
    for (const [contact, name] of [
      [b, 'b4'],
      [c, 'c4'],
    ] as const) {
      contact.send(x('presence', NS_CLIENT, { to: 'a4@localhost', type: 'subscribe' }));
      await a.expect((el) => el.attrs.type === 'subscribe' && !!el.attrs.from?.startsWith(name));
      a.send(x('presence', NS_CLIENT, { to: `${name}@localhost`, type: 'subscribed' }));
      await contact.expect((el) => el.name === 'presence' && el.attrs.type === 'subscribed');
    }
    a.send(x('presence', NS_CLIENT, {}, x('status', NS_CLIENT, {}, 'here')));
    await b.expect((el) => el.name === 'presence' && el.getChildText('status') === 'here');
    await c.expect((el) => el.name === 'presence' && el.getChildText('status') === 'here');
    await flush(b);
    const fromA = (el: Element) => el.name === 'presence' && el.attrs.from === a.jid;
    const earlier = b.pending().filter(fromA).length; // e.g. the presence sent on 'subscribed'
    await a.iq(blockIq('b4@localhost'));
    await b.expect((el) => fromA(el) && el.attrs.type === 'unavailable');
    a.send(x('presence', NS_CLIENT, {}, x('status', NS_CLIENT, {}, 'away now')));
    await c.expect((el) => el.name === 'presence' && el.getChildText('status') === 'away now');
    await flush(a);
    await flush(b);
    assert.equal(b.pending().filter(fromA).length, earlier, 'the blocked contact gets no presence');
    await a.iq(unblockIq('b4@localhost'));
    const back = await b.expect((el) => fromA(el) && el.getChildText('status') === 'away now');
    assert.equal(back.attrs.type, undefined);
  });

  test('invalid requests: block without items is bad-request, a bad JID jid-malformed', async () => {
    const a = await login('a5');
    const empty = x('iq', NS_CLIENT, { type: 'set' }, x('block', NS_BLOCKING));
    assert.equal(errorCondition(await a.iq(empty)), 'bad-request');
    assert.equal(errorCondition(await a.iq(blockIq('a@b@c'))), 'jid-malformed');
    const other = blocklistGet();
    other.setAttr('to', 'b5@localhost');
    assert.equal(errorCondition(await a.iq(other)), 'forbidden');
    const disco = await a.iq(
      x('iq', NS_CLIENT, { type: 'get', to: 'localhost' }, x('query', NS_DISCO_INFO)),
    );
    const vars = disco
      .getChild('query', NS_DISCO_INFO)
      ?.getChildren('feature')
      .map((f) => f.attrs.var);
    assert.ok(vars?.includes(NS_BLOCKING), 'urn:xmpp:blocking announced (§3.1)');
  });

  test('@xmpp/client blocks a JID and gets the push and the blocked error', async () => {
    const c = await xmppJs({
      service: `xmpp://127.0.0.1:${server.port}`,
      username: 'a6',
      password: 'pw',
    });
    try {
      await c.iqCaller.request(
        xml('iq', { type: 'get' }, xml('blocklist', { xmlns: NS_BLOCKING })),
      );
      const pushed = new Promise<void>((resolve) => {
        c.on('stanza', (s) => {
          if (s.is('iq') && s.getChild('block', NS_BLOCKING)) resolve();
        });
      });
      await c.iqCaller.request(
        xml(
          'iq',
          { type: 'set' },
          xml('block', { xmlns: NS_BLOCKING }, xml('item', { jid: 'b5@localhost' })),
        ),
      );
      await pushed;
      const error = new Promise<string | undefined>((resolve) => {
        c.on('stanza', (s) => {
          if (s.is('message') && s.attrs.type === 'error') {
            resolve(s.getChild('error')?.getChild('blocked', NS_BLOCKING_ERRORS)?.name);
          }
        });
      });
      await c.send(xml('message', { to: 'b5@localhost', type: 'chat' }, xml('body', {}, 'hi')));
      assert.equal(await error, 'blocked');
    } finally {
      await stopXmppJs(c);
    }
  });
});

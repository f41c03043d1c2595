import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type Element,
  NS_CLIENT,
  NS_PRIVATE,
  NS_STANZAS,
  NS_VCARD,
  serialize,
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

function privateIq(type: 'get' | 'set', ...items: Element[]): Element {
  return x('iq', NS_CLIENT, { type }, x('query', NS_PRIVATE, {}, ...items));
}

describe('mod_private (XEP-0049)', () => {
  let server: TestServer;
  const clients: TestClient[] = [];
  const login = async (user: string, resource?: string): Promise<TestClient> => {
    const c = await TestClient.connect(server.plainPort);
    clients.push(c);
    await c.login(user, 'pw', { mechanism: 'PLAIN', starttls: false, resource });
    return c;
  };

  before(async () => {
    server = await startTestServer({
      toml: '[modules.mod_private]\nmax_item_size = 1024\nmax_namespaces = 2\n',
    });
    for (const u of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank']) {
      await server.register(u, 'pw');
    }
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await server.stop();
  });

  test('stores XML per namespace and returns it to any resource of the account', async () => {
    const a1 = await login('alice', 'one');
    const prefs = x('exodus', 'exodus:prefs', {}, x('defaultnick', 'exodus:prefs', {}, 'Hamlet'));
    assert.equal((await a1.iq(privateIq('set', prefs))).attrs.type, 'result');
    const a2 = await login('alice', 'two');
    const r = await a2.iq(privateIq('get', x('exodus', 'exodus:prefs')));
    assert.equal(r.attrs.type, 'result');
    assert.equal(
      serialize(r.getChild('query', NS_PRIVATE)!),
      '<query xmlns="jabber:iq:private"><exodus xmlns="exodus:prefs"><defaultnick>Hamlet</defaultnick></exodus></query>',
    );
  });

  test('nothing stored returns the empty element asked for', async () => {
    const b = await login('bob');
    const r = await b.iq(privateIq('get', x('storage', 'storage:bookmarks')));
    assert.equal(
      serialize(r.getChild('query', NS_PRIVATE)!),
      '<query xmlns="jabber:iq:private"><storage xmlns="storage:bookmarks"/></query>',
    );
  });

  test('a reserved namespace is not-acceptable for set and get (§2.3)', async () => {
    const c = await login('carol');
    const vcard = x('vCard', NS_VCARD, {}, x('FN', NS_VCARD, {}, 'Hamlet'));
    const set = await c.iq(privateIq('set', vcard));
    assert.equal(set.attrs.type, 'error');
    assert.equal(errorCondition(set), 'not-acceptable');
    for (const ns of ['jabber:iq:roster', 'jabber:client', 'http://jabber.org/protocol/muc']) {
      const get = await c.iq(privateIq('get', x('q', ns)));
      assert.equal(errorCondition(get), 'not-acceptable', ns);
    }
    // A set mixing an allowed and a reserved namespace stores nothing.
    const mixed = await c.iq(
      privateIq('set', x('ok', 'x:ok', {}, '1'), x('query', 'jabber:iq:last')),
    );
    assert.equal(errorCondition(mixed), 'not-acceptable');
    const r = await c.iq(privateIq('get', x('ok', 'x:ok')));
    assert.equal(r.getChild('query', NS_PRIVATE)?.getChild('ok', 'x:ok')?.text(), '');
  });

  test("another user's private data is forbidden, for get and set", async () => {
    const d = await login('dave');
    const get = privateIq('get', x('exodus', 'exodus:prefs'));
    get.setAttr('to', 'alice@localhost');
    assert.equal(errorCondition(await d.iq(get)), 'forbidden');
    const set = privateIq('set', x('exodus', 'exodus:prefs', {}, 'evil'));
    set.setAttr('to', 'alice@localhost');
    assert.equal(errorCondition(await d.iq(set)), 'forbidden');
  });

  test('malformed requests: empty set not-acceptable, get of 0 or 2 namespaces bad-request', async () => {
    const e = await login('erin');
    assert.equal(errorCondition(await e.iq(privateIq('set'))), 'not-acceptable');
    assert.equal(errorCondition(await e.iq(privateIq('get'))), 'bad-request');
    const two = privateIq('get', x('a', 'x:a'), x('b', 'x:b'));
    assert.equal(errorCondition(await e.iq(two)), 'bad-request');
  });

  test('size and namespace-count limits are enforced', async () => {
    const f = await login('frank');
    const big = x('big', 'x:big', {}, 'A'.repeat(2000));
    assert.equal(errorCondition(await f.iq(privateIq('set', big))), 'policy-violation');
    assert.equal((await f.iq(privateIq('set', x('a', 'x:1')))).attrs.type, 'result');
    assert.equal((await f.iq(privateIq('set', x('b', 'x:2')))).attrs.type, 'result');
    // Replacing an existing namespace is fine; a third one is over the limit of 2.
    assert.equal((await f.iq(privateIq('set', x('b', 'x:2', {}, 'v2')))).attrs.type, 'result');
    assert.equal(errorCondition(await f.iq(privateIq('set', x('c', 'x:3')))), 'policy-violation');
  });

  test('@xmpp/client stores bookmarks (XEP-0048 over XEP-0049) and reads them back', async () => {
    await server.register('xjs', 'secret');
    const c = await xmppJs({
      service: `xmpp://127.0.0.1:${server.port}`,
      username: 'xjs',
      password: 'secret',
    });
    try {
      const storage = xml(
        'storage',
        { xmlns: 'storage:bookmarks' },
        xml('conference', { jid: 'room@muc.localhost', name: 'Room', autojoin: 'true' }),
      );
      await c.iqCaller.request(
        xml('iq', { type: 'set' }, xml('query', { xmlns: NS_PRIVATE }, storage)),
      );
      const r = await c.iqCaller.request(
        xml(
          'iq',
          { type: 'get' },
          xml('query', { xmlns: NS_PRIVATE }, xml('storage', { xmlns: 'storage:bookmarks' })),
        ),
      );
      const conf = r
        .getChild('query', NS_PRIVATE)
        ?.getChild('storage', 'storage:bookmarks')
        ?.getChild('conference');
      assert.equal(conf?.attrs.jid, 'room@muc.localhost');
      await assert.rejects(
        c.iqCaller.request(
          xml(
            'iq',
            { type: 'get' },
            xml('query', { xmlns: NS_PRIVATE }, xml('vCard', { xmlns: NS_VCARD })),
          ),
        ),
        (err: { condition?: string }) => err.condition === 'not-acceptable',
      );
    } finally {
      await stopXmppJs(c);
    }
  });
});

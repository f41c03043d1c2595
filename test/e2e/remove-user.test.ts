import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeJid } from '../../src/jid/index.ts';
import {
  type Element,
  NS_BLOCKING,
  NS_CLIENT,
  NS_PRIVATE,
  NS_REGISTER,
  NS_ROSTER,
  NS_VCARD,
  x,
} from '../../src/xml/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';

const MODULES = [
  'mod_roster',
  'mod_presence',
  'mod_offline',
  'mod_vcard',
  'mod_private',
  'mod_blocking',
  'mod_disco',
];

/** What a user owns in each module, as seen through the protocol. */
interface Footprint {
  vcardFn: string | undefined;
  privateText: string | undefined;
  blocked: string[];
  roster: string[];
  offline: number;
}

async function footprint(server: TestServer, user: string, c: TestClient): Promise<Footprint> {
  const vcard = await c.iq(x('iq', NS_CLIENT, { type: 'get' }, x('vCard', NS_VCARD)));
  const priv = await c.iq(
    x('iq', NS_CLIENT, { type: 'get' }, x('query', NS_PRIVATE, {}, x('note', 'x:notes'))),
  );
  const blocklist = await c.iq(x('iq', NS_CLIENT, { type: 'get' }, x('blocklist', NS_BLOCKING)));
  const roster = await c.iq(x('iq', NS_CLIENT, { type: 'get' }, x('query', NS_ROSTER)));
  const count = server.node.modules.commands().find((cmd) => cmd.name === 'offline_count');
  assert.ok(count, 'mod_offline offers offline_count');
  const offline = (await count.run([user, 'localhost'])).json as { count: number };
  const text = (el: Element | undefined) => (el?.text() === '' ? undefined : el?.text());
  return {
    vcardFn: vcard.getChild('vCard', NS_VCARD)?.getChildText('FN', NS_VCARD),
    privateText: text(priv.getChild('query', NS_PRIVATE)?.getChild('note', 'x:notes')),
    blocked: (blocklist.getChild('blocklist', NS_BLOCKING)?.getChildren('item') ?? []).map(
      (i) => i.attrs.jid ?? '',
    ),
    roster: (roster.getChild('query', NS_ROSTER)?.getChildren('item') ?? []).map(
      (i) => i.attrs.jid ?? '',
    ),
    offline: offline.count,
  };
}

const EMPTY: Footprint = {
  vcardFn: undefined,
  privateText: undefined,
  blocked: [],
  roster: [],
  offline: 0,
};

describe('removing a user removes everything the user owns', () => {
  let server: TestServer;
  const clients: TestClient[] = [];
  const login = async (user: string, resource = 'r'): Promise<TestClient> => {
    const c = await TestClient.connect(server.plainPort);
    clients.push(c);
    await c.login(user, 'pw', { mechanism: 'PLAIN', starttls: false, resource });
    return c;
  };

  /** Gives `user` a vCard, private XML, a blocklist entry, a roster item and an offline message. */
  async function populate(user: string): Promise<TestClient[]> {
    const one = await login(user, 'one');
    const two = await login(user, 'two');
    const set = (payload: Element) => one.iq(x('iq', NS_CLIENT, { type: 'set' }, payload));
    await set(x('vCard', NS_VCARD, {}, x('FN', NS_VCARD, {}, 'Doomed')));
    await set(x('query', NS_PRIVATE, {}, x('note', 'x:notes', {}, 'secret')));
    await set(x('block', NS_BLOCKING, {}, x('item', NS_BLOCKING, { jid: 'spammer@localhost' })));
    await set(x('query', NS_ROSTER, {}, x('item', NS_ROSTER, { jid: 'friend@localhost' })));
    // Neither resource is available yet: a chat message is stored offline.
    const friend = await login('friend');
    friend.send(
      x(
        'message',
        NS_CLIENT,
        { to: `${user}@localhost`, type: 'chat' },
        x('body', NS_CLIENT, {}, 'hi'),
      ),
    );
    await friend.iq(x('iq', NS_CLIENT, { type: 'get' }, x('query', NS_ROSTER)));
    const before = await footprint(server, user, one);
    assert.deepEqual(before, {
      vcardFn: 'Doomed',
      privateText: 'secret',
      blocked: ['spammer@localhost'],
      roster: ['friend@localhost'],
      offline: 1,
    });
    return [one, two];
  }

  async function assertGone(user: string, sessions: TestClient[]): Promise<void> {
    for (const s of sessions) {
      assert.equal(await s.expectStreamError(), 'not-authorized');
      await s.closed;
    }
    assert.equal(await server.node.admin.accounts.exists(user, 'localhost'), false);
    assert.equal(server.node.sm.resources(makeJid(user, 'localhost')).length, 0);
    // The same name registered again starts from nothing.
    await server.register(user, 'pw');
    const fresh = await login(user, 'again');
    assert.deepEqual(await footprint(server, user, fresh), EMPTY);
  }

  before(async () => {
    const tables = MODULES.map((m) => `[modules.${m}]`).join('\n');
    server = await startTestServer({
      toml: `${tables}\n[modules.mod_register]\nrequire_encryption = false\n`,
    });
    for (const u of ['friend', 'gone1', 'gone2']) await server.register(u, 'pw');
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await server.stop();
  });

  test('in-band removal (XEP-0077 <remove/>) deletes vCard, private data, blocklist, roster, offline', async () => {
    const sessions = await populate('gone1');
    const r = await sessions[0]!.iq(
      x('iq', NS_CLIENT, { type: 'set' }, x('query', NS_REGISTER, {}, x('remove', NS_REGISTER))),
    );
    assert.equal(r.attrs.type, 'result');
    await assertGone('gone1', sessions);
  });

  test('admin removal (accounts.unregister) deletes the same and closes every session', async () => {
    const sessions = await populate('gone2');
    assert.equal(await server.node.admin.accounts.unregister('gone2', 'localhost'), true);
    await assertGone('gone2', sessions);
  });
});

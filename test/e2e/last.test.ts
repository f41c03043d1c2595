import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseJid } from '../../src/jid/index.ts';
import { type Element, NS_CLIENT, NS_LAST, NS_PING, NS_STANZAS, x } from '../../src/xml/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';
import { stopXmppJs, xml, xmppJs } from '../support/xmpp-js.ts';

const PW = 'last-pw';

const lastQuery = (to: string, type = 'get') =>
  x('iq', NS_CLIENT, { type, to }, x('query', NS_LAST));

function errorCondition(el: Element): string | undefined {
  return el
    .getChild('error', NS_CLIENT)
    ?.elements()
    .find((e) => e.ns === NS_STANZAS && e.name !== 'text')?.name;
}

function seconds(reply: Element): number {
  const raw = reply.getChild('query', NS_LAST)?.attrs.seconds ?? '';
  assert.match(raw, /^\d+$/);
  return Number(raw);
}

describe('mod_last end to end', () => {
  let server: TestServer;
  let alice: TestClient;
  const login = async (user: string, resource = 'r'): Promise<TestClient> => {
    const c = await TestClient.connect(server.plainPort);
    await c.login(user, PW, { mechanism: 'PLAIN', starttls: false, resource });
    return c;
  };
  /** Alice is subscribed to the presence of these users (their rosters say 'from'). */
  const subscribedTo = new Set(['bob', 'dave', 'gus', 'hal']);
  before(async () => {
    server = await startTestServer({ toml: '[modules.mod_last]\n[modules.mod_ping]\n' });
    for (const u of ['alice', 'bob', 'carol', 'dave', 'erin', 'gus', 'hal'])
      await server.register(u, PW);
    server.node.hooks.add({
      hook: 'roster-get-subscription',
      handler: (acc, { user, contact }) =>
        contact.bareString() === 'alice@localhost' && subscribedTo.has(user.local) ? 'from' : acc,
    });
    alice = await login('alice');
  });
  after(async () => {
    alice.close();
    await server.stop();
  });

  test('the server answers its uptime (XEP-0012 §4)', async () => {
    const reply = await alice.iq(lastQuery('localhost'));
    assert.equal(reply.attrs.type, 'result');
    assert.ok(seconds(reply) >= 0);
    assert.equal(reply.getChild('query', NS_LAST)?.text(), '');
    assert.equal(errorCondition(await alice.iq(lastQuery('localhost', 'set'))), 'not-allowed');
  });

  test('a subscribed contact sees the last logout and its status; online is 0', async () => {
    const bob = await login('bob');
    bob.send(x('presence', NS_CLIENT));
    const online = await alice.iq(lastQuery('bob@localhost'));
    assert.equal(online.attrs.type, 'result');
    assert.equal(seconds(online), 0, 'XEP-0012 §3: an available user is 0');

    bob.send(
      x('presence', NS_CLIENT, { type: 'unavailable' }, x('status', NS_CLIENT, {}, 'Heading Home')),
    );
    await bob.iq(x('iq', NS_CLIENT, { type: 'get', to: 'localhost' }, x('ping', NS_PING)));
    bob.close();
    const reply = await alice.iq(lastQuery('bob@localhost'));
    assert.equal(reply.attrs.type, 'result');
    assert.equal(reply.attrs.from, 'bob@localhost');
    assert.ok(seconds(reply) >= 0);
    assert.equal(reply.getChild('query', NS_LAST)?.text(), 'Heading Home');
  });

  test('someone not subscribed gets forbidden (XEP-0012 §3)', async () => {
    const carol = await login('carol');
    carol.close();
    const reply = await alice.iq(lastQuery('carol@localhost'));
    assert.equal(reply.attrs.type, 'error');
    assert.equal(errorCondition(reply), 'forbidden');
  });

  test('a session that just drops is recorded too, with an empty status', async () => {
    const dave = await login('dave');
    dave.send(x('presence', NS_CLIENT));
    await dave.iq(x('iq', NS_CLIENT, { type: 'get', to: 'localhost' }, x('ping', NS_PING)));
    dave.destroy();
    await dave.closed;
    // The record is written by the session-closed hook once the server sees the socket close:
    // wait for the session to go, then for the record (before it: service-unavailable).
    const bare = parseJid('dave@localhost');
    for (let i = 0; i < 250 && server.node.sm.hasAny(bare); i++) await sleep(20);
    let reply = await alice.iq(lastQuery('dave@localhost'));
    for (let i = 0; i < 250 && reply.attrs.type !== 'result'; i++) {
      await sleep(20);
      reply = await alice.iq(lastQuery('dave@localhost'));
    }
    assert.equal(reply.attrs.type, 'result');
    assert.equal(reply.getChild('query', NS_LAST)?.text(), '');
  });

  test('a user never seen offline has nothing to tell; the owner may ask', async () => {
    const erin = await login('erin');
    erin.send(x('presence', NS_CLIENT));
    const self = await erin.iq(lastQuery('erin@localhost'));
    assert.equal(self.attrs.type, 'result', 'own account');
    assert.equal(seconds(self), 0);
    erin.close();
    const never = await alice.iq(lastQuery('gus@localhost'));
    assert.equal(errorCondition(never), 'service-unavailable');
    const nobody = await alice.iq(lastQuery('nobody@localhost'));
    assert.equal(errorCondition(nobody), 'service-unavailable');
  });

  test('removing the account deletes its last activity', async () => {
    const hal = await login('hal');
    hal.close();
    // Hal never sent presence: a record appears only once session-closed has written it.
    let reply = await alice.iq(lastQuery('hal@localhost'));
    for (let i = 0; i < 250 && reply.attrs.type !== 'result'; i++) {
      await sleep(20);
      reply = await alice.iq(lastQuery('hal@localhost'));
    }
    assert.equal(reply.attrs.type, 'result');
    assert.equal(await server.node.admin.accounts.unregister('hal', 'localhost'), true);
    await server.register('hal', PW);
    assert.equal(errorCondition(await alice.iq(lastQuery('hal@localhost'))), 'service-unavailable');
  });

  test('@xmpp/client queries the last activity of a contact', async () => {
    const gus = await login('gus');
    gus.send(x('presence', NS_CLIENT, { type: 'unavailable' }, x('status', NS_CLIENT, {}, 'brb')));
    await gus.iq(x('iq', NS_CLIENT, { type: 'get', to: 'localhost' }, x('ping', NS_PING)));
    gus.close();
    const a = await xmppJs({
      service: `xmpp://127.0.0.1:${server.port}`,
      username: 'alice',
      password: PW,
      resource: 'lib',
    });
    try {
      const reply = await a.iqCaller.request(
        xml('iq', { type: 'get', to: 'gus@localhost' }, xml('query', { xmlns: NS_LAST })),
      );
      assert.equal(reply.getChild('query', NS_LAST)?.getText(), 'brb');
    } finally {
      await stopXmppJs(a);
    }
  });
});

describe('mod_last with the default modules (real roster subscriptions)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    for (const u of ['ann', 'ben']) await server.register(u, PW);
  });
  after(async () => {
    await server.stop();
  });

  test('a contact subscribed through mod_presence sees the last activity', async () => {
    const login = async (user: string): Promise<TestClient> => {
      const c = await TestClient.connect(server.plainPort);
      await c.login(user, PW, { mechanism: 'PLAIN', starttls: false, resource: 'r' });
      c.send(x('presence', NS_CLIENT));
      return c;
    };
    const ann = await login('ann');
    const ben = await login('ben');
    assert.equal(errorCondition(await ann.iq(lastQuery('ben@localhost'))), 'forbidden');
    ann.send(x('presence', NS_CLIENT, { to: 'ben@localhost', type: 'subscribe' }));
    await ben.expect((el) => el.name === 'presence' && el.attrs.type === 'subscribe');
    ben.send(x('presence', NS_CLIENT, { to: 'ann@localhost', type: 'subscribed' }));
    await ann.expect((el) => el.name === 'presence' && el.attrs.type === 'subscribed');
    ben.send(x('presence', NS_CLIENT, { type: 'unavailable' }, x('status', NS_CLIENT, {}, 'gone')));
    await ben.iq(x('iq', NS_CLIENT, { type: 'get', to: 'localhost' }, x('ping', NS_PING)));
    const reply = await ann.iq(lastQuery('ben@localhost'));
    assert.equal(reply.attrs.type, 'result');
    assert.equal(reply.getChild('query', NS_LAST)?.text(), 'gone');
    // Subscription is one way: ben may not see ann's.
    assert.equal(errorCondition(await ben.iq(lastQuery('ann@localhost'))), 'forbidden');
    ann.close();
    ben.close();
  });
});

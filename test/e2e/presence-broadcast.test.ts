import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Element, NS_CLIENT, NS_ROSTER, x } from '../../src/xml/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';

/** RFC 6121 §4: broadcast, probes, directed presence, unavailable on any session end. */
describe('presence broadcast end to end (RFC 6121 §4)', () => {
  let server: TestServer;
  const clients: TestClient[] = [];

  async function connect(user: string, resource = 'r'): Promise<TestClient> {
    const c = await TestClient.connect(server.plainPort);
    clients.push(c);
    await c.login(user, 'pw', { mechanism: 'PLAIN', starttls: false, resource });
    await c.iq(x('iq', NS_CLIENT, { type: 'get' }, x('query', NS_ROSTER)));
    return c;
  }

  async function online(user: string, resource = 'r', status?: string): Promise<TestClient> {
    const c = await connect(user, resource);
    c.send(x('presence', NS_CLIENT, {}, status ? x('status', NS_CLIENT, {}, status) : undefined));
    await presenceFrom(c, `${user}@localhost/${resource}`);
    return c;
  }

  const presenceFrom = (c: TestClient, from: string, type?: string) =>
    c.expect((el) => el.name === 'presence' && el.attrs.from === from && el.attrs.type === type);

  /** Mutual subscription through the protocol itself (both users online meanwhile). */
  async function befriend(a: string, b: string): Promise<void> {
    const ca = await connect(a, 'setup');
    const cb = await connect(b, 'setup');
    const rosterGet = () => x('iq', NS_CLIENT, { type: 'get' }, x('query', NS_ROSTER));
    for (const [from, to, c, other] of [
      [a, b, ca, cb],
      [b, a, cb, ca],
    ] as const) {
      c.send(x('presence', NS_CLIENT, { to: `${to}@localhost`, type: 'subscribe' }));
      // A round trip: the session's queue is ordered, so the request has been handled.
      await c.iq(rosterGet());
      other.send(x('presence', NS_CLIENT, { to: `${from}@localhost`, type: 'subscribed' }));
      await other.iq(rosterGet());
    }
    // Both rosters say 'both' once the last push arrives.
    await ca.expect((el) => isBoth(el, `${b}@localhost`));
    await cb.expect((el) => isBoth(el, `${a}@localhost`));
    ca.close();
    cb.close();
    await Promise.all([ca.closed, cb.closed]);
  }

  const pushed = (el: Element) =>
    el.name === 'iq' && el.attrs.type === 'set'
      ? el.getChild('query', NS_ROSTER)?.getChild('item', NS_ROSTER)
      : undefined;

  const isBoth = (el: Element, jid: string) =>
    pushed(el)?.attrs.jid === jid && pushed(el)?.attrs.subscription === 'both';

  before(async () => {
    server = await startTestServer();
    const users = ['an', 'ben', 'cat', 'dan', 'eve', 'fox', 'gil', 'hal', 'ivy', 'jay'];
    for (const u of users) await server.register(u, 'pw');
    await befriend('an', 'ben');
    await befriend('cat', 'dan');
    await befriend('gil', 'hal');
    await befriend('ivy', 'jay');
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await server.stop();
  });

  test('initial presence reaches subscribers, and probes bring back their presence', async () => {
    const ben = await online('ben', 'r', 'here');
    const an = await online('an');
    await presenceFrom(ben, 'an@localhost/r');
    const probed = await presenceFrom(an, 'ben@localhost/r');
    assert.equal(probed.getChildText('status'), 'here');
    assert.equal(probed.attrs.to, 'an@localhost/r');

    // Subsequent presence is broadcast too.
    an.send(x('presence', NS_CLIENT, {}, x('show', NS_CLIENT, {}, 'away')));
    const away = await presenceFrom(ben, 'an@localhost/r');
    assert.equal(away.getChildText('show'), 'away');

    // Explicit unavailable, then unavailable when the socket just dies.
    an.send(x('presence', NS_CLIENT, { type: 'unavailable' }));
    await presenceFrom(ben, 'an@localhost/r', 'unavailable');
    ben.destroy();
    const an2 = await online('an', 'second');
    // ben's session is gone: the probe is answered with unavailable from the bare JID.
    await presenceFrom(an2, 'ben@localhost', 'unavailable');
  });

  test('unavailable is broadcast when a session ends: disconnect, stream close, conflict, kick', async () => {
    const dan = await online('dan');
    let cat = await online('cat');
    cat.destroy();
    await presenceFrom(dan, 'cat@localhost/r', 'unavailable');
    cat = await online('cat');
    await presenceFrom(dan, 'cat@localhost/r');
    cat.close();
    await presenceFrom(dan, 'cat@localhost/r', 'unavailable');
    cat = await online('cat');
    await presenceFrom(dan, 'cat@localhost/r');
    // Same resource again: the old session gets <conflict/> and goes unavailable.
    await online('cat');
    await presenceFrom(dan, 'cat@localhost/r', 'unavailable');
    await presenceFrom(dan, 'cat@localhost/r');
    assert.equal(await server.node.admin.sessions.kick('cat@localhost/r', 'bye'), true);
    await presenceFrom(dan, 'cat@localhost/r', 'unavailable');
  });

  test("a user's resources see each other's presence", async () => {
    const a = await online('eve', 'a', 'first');
    const b = await online('eve', 'b');
    await presenceFrom(a, 'eve@localhost/b');
    const sibling = await presenceFrom(b, 'eve@localhost/a');
    assert.equal(sibling.getChildText('status'), 'first');
    b.destroy();
    await presenceFrom(a, 'eve@localhost/b', 'unavailable');
  });

  test('directed presence to a non-subscriber is followed by unavailable at logout', async () => {
    const fox = await online('fox');
    const gil = await online('gil');
    gil.send(x('presence', NS_CLIENT, { to: 'fox@localhost/r' }));
    await presenceFrom(fox, 'gil@localhost/r');
    gil.destroy();
    await presenceFrom(fox, 'gil@localhost/r', 'unavailable');
  });

  test('no presence leaks to a non-subscriber, not even through a probe', async () => {
    const hal = await online('hal');
    const fox = await online('fox', 'p');
    // hal's server answers 'unsubscribed' (§4.3.2), which fox's server drops: fox has no item.
    fox.send(x('presence', NS_CLIENT, { to: 'hal@localhost', type: 'probe' }));
    hal.send(x('presence', NS_CLIENT, {}, x('status', NS_CLIENT, {}, 'secret')));
    await hal.iq(x('iq', NS_CLIENT, { type: 'get' }, x('query', NS_ROSTER)));
    await fox.iq(x('iq', NS_CLIENT, { type: 'get' }, x('query', NS_ROSTER)));
    assert.deepEqual(
      fox.pending().filter((el) => el.name === 'presence' && el.attrs.from?.startsWith('hal@')),
      [],
    );
  });

  test('removing an account cancels its subscriptions and contacts see it go', async () => {
    const jay = await online('jay');
    await online('ivy');
    await presenceFrom(jay, 'ivy@localhost/r');
    assert.equal(await server.node.admin.accounts.unregister('ivy', 'localhost'), true);
    // unsubscribe (Both → To) then unsubscribed (To → None), each pushed.
    await jay.expect((el) => pushed(el)?.attrs.subscription === 'to');
    await jay.expect((el) => pushed(el)?.attrs.subscription === 'none');
    await presenceFrom(jay, 'ivy@localhost/r', 'unavailable');
    await server.register('ivy', 'pw');
    const ivy = await online('ivy', 'again');
    const r = await ivy.iq(x('iq', NS_CLIENT, { type: 'get' }, x('query', NS_ROSTER)));
    assert.equal(
      r.getChild('query', NS_ROSTER)?.elements().length,
      0,
      'a new account starts empty',
    );
  });
});

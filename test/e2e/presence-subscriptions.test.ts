import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Element, NS_CLIENT, NS_ROSTER, x } from '../../src/xml/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';

/** Each RFC 6121 §3 subscription transition, over real sockets with our TestClient. */
describe('presence subscriptions end to end (RFC 6121 §3)', () => {
  let server: TestServer;
  const clients: TestClient[] = [];

  /** Logs in, asks for the roster (interested) and sends initial presence (available). */
  async function online(user: string, resource = 'r'): Promise<TestClient> {
    const c = await TestClient.connect(server.plainPort);
    clients.push(c);
    await c.login(user, 'pw', { mechanism: 'PLAIN', starttls: false, resource });
    await c.iq(x('iq', NS_CLIENT, { type: 'get' }, x('query', NS_ROSTER)));
    c.send(x('presence', NS_CLIENT));
    await presenceFrom(c, `${user}@localhost/${resource}`); // own presence echoed back
    return c;
  }

  async function offline(c: TestClient): Promise<void> {
    c.close();
    await c.closed;
  }

  const send = (c: TestClient, to: string, type: string) =>
    c.send(x('presence', NS_CLIENT, { to, type }));

  const presenceFrom = (c: TestClient, from: string, type?: string) =>
    c.expect((el) => el.name === 'presence' && el.attrs.from === from && el.attrs.type === type);

  /** The next roster push about `jid`: its item. */
  async function push(c: TestClient, jid: string): Promise<Element> {
    const iq = await c.expect(
      (el) =>
        el.name === 'iq' &&
        el.attrs.type === 'set' &&
        el.getChild('query', NS_ROSTER)?.getChild('item', NS_ROSTER)?.attrs.jid === jid,
    );
    return iq.getChild('query', NS_ROSTER)!.getChild('item', NS_ROSTER)!;
  }

  async function state(c: TestClient, jid: string): Promise<string> {
    const r = await c.iq(x('iq', NS_CLIENT, { type: 'get' }, x('query', NS_ROSTER)));
    const it = r
      .getChild('query', NS_ROSTER)
      ?.getChildren('item', NS_ROSTER)
      .find((i) => i.attrs.jid === jid);
    if (!it) return 'absent';
    return `${it.attrs.subscription}${it.attrs.ask ? '+ask' : ''}`;
  }

  /** No stanza of this kind is waiting after a round trip (the server is ordered per session). */
  async function nothingMore(c: TestClient, pred: (el: Element) => boolean): Promise<void> {
    await c.iq(x('iq', NS_CLIENT, { type: 'get' }, x('query', NS_ROSTER)));
    assert.deepEqual(c.pending().filter(pred), []);
  }

  before(async () => {
    server = await startTestServer();
    const users = ['al', 'bo', 'cy', 'di', 'ed', 'fa', 'gu', 'ha', 'ia', 'jo', 'ki', 'lu'];
    for (const u of users) await server.register(u, 'pw');
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await server.stop();
  });

  test('subscribe, subscribed, subscribe back, unsubscribe, unsubscribed (both online)', async () => {
    const al = await online('al');
    const bo = await online('bo');
    // None → None+PendingOut on al's side; bo gets the request.
    send(al, 'bo@localhost', 'subscribe');
    const alItem = await push(al, 'bo@localhost');
    assert.equal(alItem.attrs.subscription, 'none');
    assert.equal(alItem.attrs.ask, 'subscribe');
    const req = await presenceFrom(bo, 'al@localhost', 'subscribe');
    assert.equal(req.attrs.to, 'bo@localhost');

    // bo approves: bo None+PendingIn → From; al None+PendingOut → To, and al sees bo online.
    send(bo, 'al@localhost', 'subscribed');
    assert.equal((await push(bo, 'al@localhost')).attrs.subscription, 'from');
    const alTo = await push(al, 'bo@localhost');
    assert.equal(alTo.attrs.subscription, 'to');
    assert.equal(alTo.attrs.ask, undefined);
    await presenceFrom(al, 'bo@localhost', 'subscribed');
    await presenceFrom(al, 'bo@localhost/r');

    // bo subscribes back: From → From+PendingOut; al To → To+PendingIn, then approves → Both.
    send(bo, 'al@localhost', 'subscribe');
    assert.equal((await push(bo, 'al@localhost')).attrs.ask, 'subscribe');
    await presenceFrom(al, 'bo@localhost', 'subscribe');
    send(al, 'bo@localhost', 'subscribed');
    assert.equal((await push(al, 'bo@localhost')).attrs.subscription, 'both');
    assert.equal((await push(bo, 'al@localhost')).attrs.subscription, 'both');
    await presenceFrom(bo, 'al@localhost/r');
    assert.equal(await state(al, 'bo@localhost'), 'both');
    assert.equal(await state(bo, 'al@localhost'), 'both');

    // A request while already subscribed is answered by bo's server (§3.1.3), not delivered;
    // al's server ignores that 'subscribed' in state Both (A.3.2): nothing changes.
    send(al, 'bo@localhost', 'subscribe');
    await nothingMore(bo, (el) => el.name === 'presence' && el.attrs.type === 'subscribe');
    await nothingMore(al, (el) => el.name === 'presence' && el.attrs.type === 'subscribed');
    assert.equal(await state(al, 'bo@localhost'), 'both');

    // al unsubscribes: al Both → From, bo Both → To; al gets bo's unavailable.
    send(al, 'bo@localhost', 'unsubscribe');
    assert.equal((await push(al, 'bo@localhost')).attrs.subscription, 'from');
    assert.equal((await push(bo, 'al@localhost')).attrs.subscription, 'to');
    await presenceFrom(bo, 'al@localhost', 'unsubscribe');
    await presenceFrom(al, 'bo@localhost/r', 'unavailable');

    // al cancels bo's subscription: al From → None, bo To → None; bo gets al's unavailable.
    send(al, 'bo@localhost', 'unsubscribed');
    assert.equal((await push(al, 'bo@localhost')).attrs.subscription, 'none');
    assert.equal((await push(bo, 'al@localhost')).attrs.subscription, 'none');
    await presenceFrom(bo, 'al@localhost', 'unsubscribed');
    await presenceFrom(bo, 'al@localhost/r', 'unavailable');
    assert.equal(await state(al, 'bo@localhost'), 'none');
    assert.equal(await state(bo, 'al@localhost'), 'none');
  });

  test('a denied request (unsubscribed) and a withdrawn one (unsubscribe)', async () => {
    const cy = await online('cy');
    const di = await online('di');
    send(cy, 'di@localhost', 'subscribe');
    await push(cy, 'di@localhost');
    await presenceFrom(di, 'cy@localhost', 'subscribe');
    send(di, 'cy@localhost', 'unsubscribed');
    const denied = await push(cy, 'di@localhost');
    assert.equal(denied.attrs.subscription, 'none');
    assert.equal(denied.attrs.ask, undefined);
    await presenceFrom(cy, 'di@localhost', 'unsubscribed');

    // Pending Out withdrawn: the contact's Pending In goes too.
    send(cy, 'di@localhost', 'subscribe');
    assert.equal((await push(cy, 'di@localhost')).attrs.ask, 'subscribe');
    await presenceFrom(di, 'cy@localhost', 'subscribe');
    send(cy, 'di@localhost', 'unsubscribe');
    assert.equal((await push(cy, 'di@localhost')).attrs.ask, undefined);
    await presenceFrom(di, 'cy@localhost', 'unsubscribe');
    // A late 'subscribed' no longer approves anything (A.2.2: no Pending In → not routed).
    send(di, 'cy@localhost', 'subscribed');
    await nothingMore(cy, (el) => el.name === 'presence' && el.attrs.type === 'subscribed');
    assert.equal(await state(cy, 'di@localhost'), 'none');
    assert.equal(await state(di, 'cy@localhost'), 'absent');
  });

  test('a request to an offline contact is stored and redelivered at each login until answered', async () => {
    const ed = await online('ed');
    send(ed, 'fa@localhost', 'subscribe');
    await push(ed, 'fa@localhost');

    let fa = await online('fa', 'one');
    await presenceFrom(fa, 'ed@localhost', 'subscribe');
    await offline(fa);
    fa = await online('fa', 'two');
    await presenceFrom(fa, 'ed@localhost', 'subscribe');

    send(fa, 'ed@localhost', 'subscribed');
    assert.equal((await push(fa, 'ed@localhost')).attrs.subscription, 'from');
    assert.equal((await push(ed, 'fa@localhost')).attrs.subscription, 'to');
    await presenceFrom(ed, 'fa@localhost', 'subscribed');
    await presenceFrom(ed, 'fa@localhost/two');
    await offline(fa);
    fa = await online('fa', 'three');
    await nothingMore(fa, (el) => el.name === 'presence' && el.attrs.type === 'subscribe');
  });

  test('answers reach a requester who went offline; its next login shows the new state', async () => {
    let gu = await online('gu');
    const ha = await online('ha');
    send(gu, 'ha@localhost', 'subscribe');
    await push(gu, 'ha@localhost');
    await presenceFrom(ha, 'gu@localhost', 'subscribe');
    await offline(gu);
    send(ha, 'gu@localhost', 'subscribed');
    await push(ha, 'gu@localhost');
    gu = await online('gu');
    assert.equal(await state(gu, 'ha@localhost'), 'to');
    // The probe at login brings ha's presence.
    await presenceFrom(gu, 'ha@localhost/r');

    // Unsubscribed while the user is offline: the roster shows it at the next login.
    await offline(gu);
    send(ha, 'gu@localhost', 'unsubscribed');
    await push(ha, 'gu@localhost');
    gu = await online('gu');
    assert.equal(await state(gu, 'ha@localhost'), 'none');
  });

  test('a request denied while the requester is offline, and one withdrawn while the contact is', async () => {
    let ia = await online('ia');
    send(ia, 'jo@localhost', 'subscribe');
    await push(ia, 'jo@localhost');
    await offline(ia);
    const jo = await online('jo');
    await presenceFrom(jo, 'ia@localhost', 'subscribe');
    send(jo, 'ia@localhost', 'unsubscribed');
    await nothingMore(jo, () => false);
    ia = await online('ia');
    assert.equal(await state(ia, 'jo@localhost'), 'none');

    // ki asks lu (offline), then withdraws: lu never sees the request.
    const ki = await online('ki');
    send(ki, 'lu@localhost', 'subscribe');
    await push(ki, 'lu@localhost');
    send(ki, 'lu@localhost', 'unsubscribe');
    await push(ki, 'lu@localhost');
    const lu = await online('lu');
    await nothingMore(lu, (el) => el.name === 'presence' && el.attrs.type === 'subscribe');
  });
});

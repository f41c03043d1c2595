import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { NS_CLIENT, NS_STANZAS, x } from '../../src/xml/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { type Element, TestClient } from '../support/xmpp-client.ts';

const PLAIN = { mechanism: 'PLAIN', starttls: false } as const;
const NONE = 'urn:example:nobody-handles-this';

function stanzaError(el: Element): string {
  assert.equal(el.attrs.type, 'error', 'an error stanza');
  const cond = el
    .getChild('error')
    ?.elements()
    .find((e) => e.ns === NS_STANZAS);
  return cond?.name ?? '';
}

/** An IQ round trip to the server: everything this client sent before has been processed. */
async function sync(c: TestClient): Promise<void> {
  await c.iq(x('iq', NS_CLIENT, { type: 'get', to: 'localhost' }, x('q', NONE)));
}

async function online(
  server: TestServer,
  user: string,
  resource: string,
  priority?: number,
): Promise<TestClient> {
  const c = await TestClient.connect(server.plainPort);
  await c.login(user, `pw-${user}`, { ...PLAIN, resource });
  if (priority !== undefined) {
    c.send(x('presence', NS_CLIENT, {}, x('priority', NS_CLIENT, {}, String(priority))));
    await sync(c);
  }
  return c;
}

const msg = (to: string, id: string, type = 'chat') =>
  x('message', NS_CLIENT, { to, id, type }, x('body', NS_CLIENT, {}, id));

const hasId = (c: TestClient, id: string) => c.raw.includes(`id="${id}"`);

describe('routing inside one node (RFC 6120 §10, RFC 6121 §8.5)', () => {
  let server: TestServer;
  let alice: TestClient;
  let alice2: TestClient;
  let bob: Record<'p5a' | 'p5b' | 'p1' | 'neg', TestClient>;
  let carol: TestClient;
  before(async () => {
    server = await startTestServer({ toml: '[modules]' });
    for (const u of ['alice', 'bob', 'carol', 'dave']) await server.register(u, `pw-${u}`);
    alice = await online(server, 'alice', 'a', 0);
    alice2 = await online(server, 'alice', 'a2', 3);
    bob = {
      p5a: await online(server, 'bob', 'p5a', 5),
      p5b: await online(server, 'bob', 'p5b', 5),
      p1: await online(server, 'bob', 'p1', 1),
      neg: await online(server, 'bob', 'neg', -1),
    };
    // carol is online with negative priority only.
    carol = await online(server, 'carol', 'only', -5);
  });
  after(async () => {
    for (const c of [alice, alice2, carol, ...Object.values(bob)]) c.close();
    await server.stop();
  });

  test('a message to a full JID reaches that resource only, from stamped', async () => {
    alice.send(msg('bob@localhost/p1', 'full1'));
    const got = await bob.p1.expect((el) => el.attrs.id === 'full1');
    assert.equal(got.attrs.from, 'alice@localhost/a');
    await Promise.all(Object.values(bob).map(sync));
    assert.ok(!hasId(bob.p5a, 'full1') && !hasId(bob.p5b, 'full1') && !hasId(bob.neg, 'full1'));
  });

  test('a bare-JID message goes to the highest-priority resources (5, 5) only', async () => {
    alice.send(msg('bob@localhost', 'bare1'));
    // Sentinels after it: when they arrive, bare1 would have arrived before them.
    alice.send(msg('bob@localhost/p1', 'sent-p1'));
    alice.send(msg('bob@localhost/neg', 'sent-neg'));
    for (const c of [bob.p5a, bob.p5b]) {
      const got = await c.expect((el) => el.attrs.id === 'bare1');
      assert.equal(got.attrs.from, 'alice@localhost/a');
      assert.equal(got.attrs.to, 'bob@localhost');
    }
    await bob.p1.expect((el) => el.attrs.id === 'sent-p1');
    await bob.neg.expect((el) => el.attrs.id === 'sent-neg');
    assert.ok(!hasId(bob.p1, 'bare1'), 'priority 1 is not the highest');
    assert.ok(!hasId(bob.neg, 'bare1'), 'negative priority never gets bare-JID messages');
  });

  test('negative priority only: a bare-JID message is not delivered (service-unavailable)', async () => {
    alice.send(msg('carol@localhost', 'neg1'));
    const err = await alice.expect((el) => el.attrs.id === 'neg1');
    assert.equal(stanzaError(err), 'service-unavailable');
    assert.equal(err.attrs.from, 'carol@localhost');
    await sync(carol);
    assert.ok(!hasId(carol, 'neg1'));
  });

  test('a negative-priority resource still gets messages to its full JID', async () => {
    alice.send(msg('carol@localhost/only', 'negfull'));
    await carol.expect((el) => el.attrs.id === 'negfull');
  });

  test('a chat message to an unavailable full JID falls back to the bare rules', async () => {
    alice.send(msg('bob@localhost/gone', 'fallback'));
    alice.send(msg('bob@localhost/p1', 'sent-fb'));
    await bob.p5a.expect((el) => el.attrs.id === 'fallback');
    await bob.p5b.expect((el) => el.attrs.id === 'fallback');
    await bob.p1.expect((el) => el.attrs.id === 'sent-fb');
    assert.ok(!hasId(bob.p1, 'fallback'));
  });

  test('a message to a non-existent user gets service-unavailable', async () => {
    alice.send(msg('nobody@localhost', 'nouser'));
    const err = await alice.expect((el) => el.attrs.id === 'nouser');
    assert.equal(stanzaError(err), 'service-unavailable');
    assert.equal(err.attrs.from, 'nobody@localhost');
    assert.equal(err.attrs.to, 'alice@localhost/a');
  });

  test('an IQ to the server in an unknown namespace gets service-unavailable', async () => {
    const r = await alice.iq(x('iq', NS_CLIENT, { type: 'get', to: 'localhost' }, x('q', NONE)));
    assert.equal(stanzaError(r), 'service-unavailable');
    assert.equal(r.attrs.from, 'localhost');
    assert.equal(r.attrs.to, 'alice@localhost/a');
  });

  test("an IQ to a user's bare JID is answered by the server on the user's behalf", async () => {
    const r = await alice.iq(
      x('iq', NS_CLIENT, { type: 'get', to: 'bob@localhost' }, x('q', 'urn:example:bare-only')),
    );
    assert.equal(stanzaError(r), 'service-unavailable');
    assert.equal(r.attrs.from, 'bob@localhost');
    await Promise.all(Object.values(bob).map(sync));
    for (const c of Object.values(bob))
      assert.ok(!c.raw.includes('urn:example:bare-only'), 'no resource saw it');
  });

  test('an IQ to a non-existent user gets service-unavailable', async () => {
    const r = await alice.iq(
      x('iq', NS_CLIENT, { type: 'get', to: 'nobody@localhost' }, x('q', NONE)),
    );
    assert.equal(stanzaError(r), 'service-unavailable');
  });

  test('an IQ to an offline full JID gets service-unavailable', async () => {
    const r = await alice.iq(
      x('iq', NS_CLIENT, { type: 'get', to: 'bob@localhost/gone' }, x('q', NONE)),
    );
    assert.equal(stanzaError(r), 'service-unavailable');
    assert.equal(r.attrs.from, 'bob@localhost/gone');
  });

  test('an IQ to an online full JID reaches it and the result comes back', async () => {
    const pending = alice.iq(
      x(
        'iq',
        NS_CLIENT,
        { type: 'get', to: 'bob@localhost/p1', id: 'q1' },
        x('q', 'urn:example:app'),
      ),
    );
    const req = await bob.p1.expect((el) => el.name === 'iq' && el.attrs.id === 'q1');
    assert.equal(req.attrs.from, 'alice@localhost/a');
    bob.p1.send(x('iq', NS_CLIENT, { type: 'result', id: 'q1', to: req.attrs.from }));
    const r = await pending;
    assert.equal(r.attrs.type, 'result');
    assert.equal(r.attrs.from, 'bob@localhost/p1');
  });

  test('an error is never answered with an error', async () => {
    alice.send(x('message', NS_CLIENT, { to: 'nobody@localhost', type: 'error', id: 'e1' }));
    alice.send(x('message', NS_CLIENT, { to: 'carol@localhost', type: 'error', id: 'e2' }));
    alice.send(x('iq', NS_CLIENT, { to: 'bob@localhost/gone', type: 'error', id: 'e3' }));
    alice.send(x('iq', NS_CLIENT, { to: 'nobody@localhost', type: 'result', id: 'e4' }));
    alice.send(x('message', NS_CLIENT, { to: 'someone@remote.example', type: 'error', id: 'e5' }));
    await sync(alice);
    for (const id of ['e1', 'e2', 'e3', 'e4', 'e5']) assert.ok(!hasId(alice, id), `${id} bounced`);
  });

  test('from is stamped with the full JID even when the client sent its bare JID', async () => {
    alice.send(
      x('message', NS_CLIENT, { to: 'bob@localhost/p5a', from: 'alice@localhost', id: 'st1' }),
    );
    const got = await bob.p5a.expect((el) => el.attrs.id === 'st1');
    assert.equal(got.attrs.from, 'alice@localhost/a');
  });

  test("a message without 'to' goes to the sender's own bare JID", async () => {
    alice.send(
      x('message', NS_CLIENT, { id: 'self1', type: 'chat' }, x('body', NS_CLIENT, {}, 'note')),
    );
    const got = await alice2.expect((el) => el.attrs.id === 'self1');
    assert.equal(got.attrs.from, 'alice@localhost/a');
    assert.equal(got.getChildText('body'), 'note');
    await sync(alice);
    assert.ok(!hasId(alice, 'self1'), 'priority 0 < 3: not to the sender');
  });

  test('a remote domain gets remote-server-not-found', async () => {
    alice.send(msg('someone@remote.example', 'remote1'));
    const err = await alice.expect((el) => el.attrs.id === 'remote1');
    assert.equal(stanzaError(err), 'remote-server-not-found');
    assert.equal(err.attrs.from, 'someone@remote.example');
    const r = await alice.iq(
      x('iq', NS_CLIENT, { type: 'get', to: 'remote.example' }, x('q', NONE)),
    );
    assert.equal(stanzaError(r), 'remote-server-not-found');
  });

  test('a malformed to gets jid-malformed', async () => {
    alice.send(msg('a@b@c', 'bad-to'));
    const err = await alice.expect((el) => el.attrs.id === 'bad-to');
    assert.equal(stanzaError(err), 'jid-malformed');
  });

  test('presence to a full JID is delivered; to a non-existent user it is ignored', async () => {
    alice.send(x('presence', NS_CLIENT, { to: 'bob@localhost/p1', id: 'pr1' }));
    const got = await bob.p1.expect((el) => el.attrs.id === 'pr1');
    assert.equal(got.attrs.from, 'alice@localhost/a');
    alice.send(x('presence', NS_CLIENT, { to: 'nobody@localhost', id: 'pr2' }));
    await sync(alice);
    assert.ok(!hasId(alice, 'pr2'), 'RFC 6121 §8.5.1: silently ignored');
  });
});

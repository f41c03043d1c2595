import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type Element,
  NS_CARBONS,
  NS_CLIENT,
  NS_DISCO_INFO,
  NS_FORWARD,
  NS_PING,
  NS_STANZAS,
  x,
} from '../../src/xml/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';
import { stopXmppJs, xml, xmppJs } from '../support/xmpp-js.ts';

const PW = 'secret-pw';

function chat(to: string, text: string, ...extra: Element[]): Element {
  return x('message', NS_CLIENT, { to, type: 'chat' }, x('body', NS_CLIENT, {}, text), ...extra);
}

function errorCondition(el: Element): string | undefined {
  return el
    .getChild('error', NS_CLIENT)
    ?.elements()
    .find((e) => e.ns === NS_STANZAS && e.name !== 'text')?.name;
}

/** Round trip: everything the server sent this client before the reply has arrived. */
async function sync(c: TestClient): Promise<void> {
  const r = await c.iq(x('iq', NS_CLIENT, { type: 'get', to: 'localhost' }, x('ping', NS_PING)));
  assert.equal(r.attrs.type, 'result');
}

/** The forwarded message inside a carbon copy of the given direction. */
function forwarded(el: Element, direction: 'sent' | 'received'): Element | undefined {
  return el
    .getChild(direction, NS_CARBONS)
    ?.getChild('forwarded', NS_FORWARD)
    ?.getChild('message', NS_CLIENT);
}

const isCopy = (el: Element) =>
  el.name === 'message' &&
  (el.getChild('sent', NS_CARBONS) !== undefined ||
    el.getChild('received', NS_CARBONS) !== undefined);

const bodyIs = (text: string) => (el: Element) =>
  el.name === 'message' && el.getChildText('body', NS_CLIENT) === text;

describe('mod_carbons end to end (XEP-0280)', () => {
  let server: TestServer;
  const clients: TestClient[] = [];

  const login = async (user: string, resource: string, priority?: number) => {
    const c = await TestClient.connect(server.plainPort);
    await c.login(user, PW, { mechanism: 'PLAIN', starttls: false, resource });
    clients.push(c);
    if (priority !== undefined) {
      c.send(x('presence', NS_CLIENT, {}, x('priority', NS_CLIENT, {}, String(priority))));
      await sync(c);
    }
    return c;
  };
  const enable = async (c: TestClient, op = 'enable', to?: string) =>
    c.iq(x('iq', NS_CLIENT, { type: 'set', to }, x(op, NS_CARBONS)));

  /** Asserts that no carbon copy is waiting at these clients (after a round trip each). */
  const noCopies = async (...cs: TestClient[]) => {
    for (const c of cs) {
      await sync(c);
      assert.deepEqual(c.pending().filter(isCopy), [], 'unexpected carbon copy');
    }
  };

  before(async () => {
    server = await startTestServer();
    for (const n of ['ann', 'bob', 'cat', 'dan', 'eve', 'fay', 'gus', 'hal', 'ivy', 'jon']) {
      await server.register(n, PW);
    }
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await server.stop();
  });

  test('the server advertises urn:xmpp:carbons:2', async () => {
    const c = await login('ann', 'disco');
    const r = await c.iq(
      x('iq', NS_CLIENT, { type: 'get', to: 'localhost' }, x('query', NS_DISCO_INFO)),
    );
    const features = r
      .getChild('query', NS_DISCO_INFO)
      ?.getChildren('feature', NS_DISCO_INFO)
      .map((f) => f.attrs.var);
    assert.ok(features?.includes(NS_CARBONS));
  });

  test('enable and disable answer result, to the account or the server, repeatedly', async () => {
    const c = await login('ann', 'toggle');
    assert.equal((await enable(c)).attrs.type, 'result');
    assert.equal((await enable(c)).attrs.type, 'result');
    assert.equal((await enable(c, 'enable', 'localhost')).attrs.type, 'result');
    assert.equal((await enable(c, 'disable')).attrs.type, 'result');
    assert.equal((await enable(c, 'disable', 'ann@localhost')).attrs.type, 'result');
    const get = await c.iq(x('iq', NS_CLIENT, { type: 'get' }, x('enable', NS_CARBONS)));
    assert.equal(errorCondition(get), 'bad-request');
    const other = await enable(c, 'enable', 'bob@localhost');
    assert.equal(errorCondition(other), 'not-allowed');
  });

  test('a sent message is copied as <sent/> to the other enabled resources only', async () => {
    const a1 = await login('cat', 'one');
    const a2 = await login('cat', 'two');
    const a3 = await login('cat', 'off');
    const bob = await login('dan', 'r');
    await enable(a1);
    await enable(a2);
    a1.send(chat('dan@localhost/r', 'hello dan'));
    await bob.expect(bodyIs('hello dan'));
    const copy = await a2.expect(isCopy);
    assert.equal(copy.attrs.from, 'cat@localhost');
    assert.equal(copy.attrs.to, 'cat@localhost/two');
    assert.equal(copy.attrs.type, 'chat');
    const inner = forwarded(copy, 'sent');
    assert.equal(inner?.attrs.from, 'cat@localhost/one');
    assert.equal(inner?.attrs.to, 'dan@localhost/r');
    assert.equal(inner?.getChildText('body', NS_CLIENT), 'hello dan');
    await sync(a1);
    await noCopies(a1, a2, a3);
  });

  test('a received message is copied as <received/> to the enabled resources that did not get it', async () => {
    const e1 = await login('eve', 'one');
    const e2 = await login('eve', 'two');
    const e3 = await login('eve', 'off');
    const sender = await login('fay', 'r');
    await enable(e1);
    await enable(e2);
    sender.send(chat('eve@localhost/one', 'for one'));
    await e1.expect(bodyIs('for one'));
    const copy = await e2.expect(isCopy);
    assert.equal(copy.attrs.from, 'eve@localhost');
    assert.equal(copy.attrs.to, 'eve@localhost/two');
    const inner = forwarded(copy, 'received');
    assert.equal(inner?.attrs.from, 'fay@localhost/r');
    assert.equal(inner?.attrs.to, 'eve@localhost/one');
    assert.equal(inner?.getChildText('body', NS_CLIENT), 'for one');
    await sync(sender);
    await noCopies(e1, e2, e3);
  });

  test('a bare-JID message delivered to several resources is not duplicated as copies', async () => {
    const g1 = await login('gus', 'one', 1);
    const g2 = await login('gus', 'two', 1);
    const low = await login('gus', 'low', -1);
    const sender = await login('hal', 'r');
    for (const c of [g1, g2, low]) await enable(c);
    sender.send(chat('gus@localhost', 'to all'));
    await g1.expect(bodyIs('to all'));
    await g2.expect(bodyIs('to all'));
    // The negative-priority resource got no original (RFC 6121 §8.5.2.1.1), so it gets a copy.
    const copy = await low.expect(isCopy);
    assert.equal(forwarded(copy, 'received')?.getChildText('body', NS_CLIENT), 'to all');
    await sync(sender);
    await noCopies(g1, g2);
  });

  test('<private/> messages are not copied and reach the recipient without the marker', async () => {
    const i1 = await login('ivy', 'one');
    const i2 = await login('ivy', 'two');
    const jon = await login('jon', 'r');
    const jon2 = await login('jon', 'other');
    for (const c of [i1, i2, jon, jon2]) await enable(c);
    i1.send(chat('jon@localhost/r', 'secret', x('private', NS_CARBONS)));
    const got = await jon.expect(bodyIs('secret'));
    assert.equal(got.getChild('private', NS_CARBONS), undefined);
    jon.send(chat('ivy@localhost/one', 'secret back', x('private', NS_CARBONS)));
    await i1.expect(bodyIs('secret back'));
    await sync(i1);
    await sync(jon);
    await noCopies(i1, i2, jon, jon2);
  });

  test('a resource that disabled carbons gets no more copies; headlines are never copied', async () => {
    const a = await login('ann', 'main');
    const b = await login('ann', 'later');
    const bob = await login('bob', 'r');
    await enable(a);
    await enable(b);
    await enable(b, 'disable');
    a.send(chat('bob@localhost/r', 'after disable'));
    await bob.expect(bodyIs('after disable'));
    a.send(
      x(
        'message',
        NS_CLIENT,
        { to: 'bob@localhost/r', type: 'headline' },
        x('body', NS_CLIENT, {}, 'h'),
      ),
    );
    await bob.expect(bodyIs('h'));
    await sync(a);
    await noCopies(a, b);
  });

  test('@xmpp/client enables carbons and receives a <sent/> copy', async () => {
    await server.register('xjs', PW);
    const xjs = await xmppJs({
      service: `xmpp://127.0.0.1:${server.port}`,
      username: 'xjs',
      password: PW,
      resource: 'lib',
    });
    try {
      const copies: { body: string | undefined; to: string | undefined }[] = [];
      let seen: () => void = () => {};
      const arrived = new Promise<void>((resolve, reject) => {
        seen = resolve;
        setTimeout(() => reject(new Error('no <sent/> copy at @xmpp/client')), 5000).unref();
      });
      xjs.on('stanza', (st) => {
        const m = st
          .getChild('sent', NS_CARBONS)
          ?.getChild('forwarded', NS_FORWARD)
          ?.getChild('message');
        if (!m) return;
        copies.push({ body: m.getChildText('body') ?? undefined, to: m.attrs.to });
        seen();
      });
      await xjs.iqCaller.request(xml('iq', { type: 'set' }, xml('enable', { xmlns: NS_CARBONS })));
      const other = await login('xjs', 'ours');
      const bob = await login('bob', 'xjs');
      other.send(chat('bob@localhost/xjs', 'via ours'));
      await bob.expect(bodyIs('via ours'));
      await arrived;
      assert.deepEqual(copies, [{ body: 'via ours', to: 'bob@localhost/xjs' }]);
    } finally {
      await stopXmppJs(xjs);
    }
  });
});

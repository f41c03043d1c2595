import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseJid } from '../../src/jid/index.ts';
import {
  NS_BIND,
  NS_CLIENT,
  NS_SASL,
  NS_SESSION,
  NS_STANZAS,
  NS_STREAM,
  x,
} from '../../src/xml/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { type Element, TestClient } from '../support/xmpp-client.ts';

const PLAIN = { mechanism: 'PLAIN', starttls: false } as const;

function mechanisms(features: Element): string[] {
  return (
    features
      .getChild('mechanisms', NS_SASL)
      ?.getChildren('mechanism')
      .map((m) => m.text()) ?? []
  );
}

const plainAuth = (user: string, pw: string) =>
  x('auth', NS_SASL, { mechanism: 'PLAIN' }, Buffer.from(`\0${user}\0${pw}`).toString('base64'));

/** The SASL failure condition of the next SASL element. */
async function saslFailure(c: TestClient): Promise<string> {
  const el = await c.expect((e) => e.ns === NS_SASL);
  assert.equal(el.name, 'failure');
  return el.elements().find((e) => e.name !== 'text')?.name ?? '';
}

describe('session establishment', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ toml: '[modules]', hosts: ['localhost', 'example.test'] });
    for (const u of ['ann', 'ben', 'cat', 'dan', 'eve', 'fay', 'gus', 'hal', 'ivy']) {
      await server.register(u, `pw-${u}`);
    }
  });
  after(async () => {
    await server.stop();
  });

  test('a stanza before authentication gets <not-authorized/>', async () => {
    const c = await TestClient.connect(server.port);
    c.openStream();
    await c.expectName('features', NS_STREAM);
    c.send(x('message', NS_CLIENT, { to: 'ann@localhost' }, x('body', NS_CLIENT, {}, 'hi')));
    assert.equal(await c.expectStreamError(), 'not-authorized');
    await c.closed;
  });

  test('a stanza after SASL but before binding gets <not-authorized/>', async () => {
    const c = await TestClient.connect(server.plainPort);
    c.openStream();
    await c.authenticate(await c.expectName('features', NS_STREAM), 'ann', 'pw-ann', 'PLAIN');
    c.openStream();
    const features = await c.expectName('features', NS_STREAM);
    assert.ok(features.getChild('bind', NS_BIND), 'bind offered');
    c.send(x('message', NS_CLIENT, { to: 'ben@localhost' }, x('body', NS_CLIENT, {}, 'hi')));
    assert.equal(await c.expectStreamError(), 'not-authorized');
    await c.closed;
  });

  test('resource conflict: the old session gets <conflict/>, the new one works', async () => {
    const first = await TestClient.connect(server.plainPort);
    await first.login('ben', 'pw-ben', { ...PLAIN, resource: 'desk' });
    const second = await TestClient.connect(server.plainPort);
    assert.equal(
      await second.login('ben', 'pw-ben', { ...PLAIN, resource: 'desk' }),
      'ben@localhost/desk',
    );
    assert.equal(await first.expectStreamError(), 'conflict');
    await first.closed;
    // The JID now reaches the new connection.
    const other = await TestClient.connect(server.plainPort);
    await other.login('cat', 'pw-cat', { ...PLAIN, resource: 'x' });
    other.send(
      x(
        'message',
        NS_CLIENT,
        { to: 'ben@localhost/desk', id: 'c1' },
        x('body', NS_CLIENT, {}, 'to the new one'),
      ),
    );
    const got = await second.expect((el) => el.name === 'message' && el.attrs.id === 'c1');
    assert.equal(got.getChildText('body'), 'to the new one');
    assert.equal(server.node.sm.resources(parseJid('ben@localhost')).length, 1);
    second.close();
    other.close();
  });

  test('a server-generated resource is unique and non-empty', async () => {
    const a = await TestClient.connect(server.plainPort);
    const b = await TestClient.connect(server.plainPort);
    const jidA = await a.login('dan', 'pw-dan', PLAIN);
    const jidB = await b.login('dan', 'pw-dan', PLAIN);
    assert.match(jidA, /^dan@localhost\/.+$/);
    assert.match(jidB, /^dan@localhost\/.+$/);
    assert.notEqual(jidA, jidB);
    assert.ok(!a.isClosed && !b.isClosed, 'no conflict between generated resources');
    a.close();
    b.close();
  });

  test('the legacy <session/> IQ gets an empty result', async () => {
    const c = await TestClient.connect(server.plainPort);
    await c.login('eve', 'pw-eve', { ...PLAIN, resource: 'old' });
    const reply = await c.iq(
      x('iq', NS_CLIENT, { type: 'set', id: 'sess1' }, x('session', NS_SESSION)),
    );
    assert.equal(reply.attrs.type, 'result');
    assert.equal(reply.elements().length, 0);
    c.close();
  });

  test('after SASL the domain cannot change on the stream restart', async () => {
    const c = await TestClient.connect(server.plainPort);
    c.openStream('localhost');
    await c.authenticate(await c.expectName('features', NS_STREAM), 'fay', 'pw-fay', 'PLAIN');
    c.openStream('example.test');
    assert.equal(await c.expectStreamError(), 'not-authorized');
    await c.closed;
    assert.ok(!c.raw.includes('urn:ietf:params:xml:ns:xmpp-bind'), 'no bind offered');
    // The other hosted domain by itself is fine before authentication.
    const d = await TestClient.connect(server.plainPort);
    d.openStream('example.test');
    await d.expectName('features', NS_STREAM);
    d.close();
  });

  test("after SASL a restart header with someone else's 'from' gets <invalid-from/>", async () => {
    const c = await TestClient.connect(server.plainPort);
    c.openStream();
    await c.authenticate(await c.expectName('features', NS_STREAM), 'fay', 'pw-fay', 'PLAIN');
    c.openStream('localhost', " from='ann@localhost'");
    assert.equal(await c.expectStreamError(), 'invalid-from');
    await c.closed;
    // Its own JID in 'from' is what RFC 6120 §4.7.1 asks for: accepted.
    const d = await TestClient.connect(server.plainPort);
    d.openStream();
    await d.authenticate(await d.expectName('features', NS_STREAM), 'fay', 'pw-fay', 'PLAIN');
    d.openStream('localhost', " from='fay@localhost'");
    await d.expectName('features', NS_STREAM);
    assert.equal(await d.bind('f'), 'fay@localhost/f');
    d.close();
  });

  test("a forged 'from' gets <invalid-from/>; our own bare JID is accepted", async () => {
    const c = await TestClient.connect(server.plainPort);
    await c.login('gus', 'pw-gus', { ...PLAIN, resource: 'r' });
    const ok = await c.iq(
      x(
        'iq',
        NS_CLIENT,
        { type: 'get', to: 'localhost', from: 'gus@localhost' },
        x('q', 'urn:example:none'),
      ),
    );
    assert.equal(ok.attrs.to, 'gus@localhost/r', 'from was stamped with the full JID');
    c.send(
      x(
        'message',
        NS_CLIENT,
        { to: 'ann@localhost', from: 'ann@localhost/r' },
        x('body', NS_CLIENT, {}, 'forged'),
      ),
    );
    assert.equal(await c.expectStreamError(), 'invalid-from');
    await c.closed;
  });

  test('another resource of the same user in from is forged too', async () => {
    const c = await TestClient.connect(server.plainPort);
    await c.login('gus', 'pw-gus', { ...PLAIN, resource: 'one' });
    c.send(x('message', NS_CLIENT, { to: 'ann@localhost', from: 'gus@localhost/two' }));
    assert.equal(await c.expectStreamError(), 'invalid-from');
    await c.closed;
  });

  test('SCRAM-SHA-256 and SCRAM-SHA-1 without TLS; PLAIN not offered there', async () => {
    for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-1'] as const) {
      const c = await TestClient.connect(server.port);
      assert.equal(
        await c.login('hal', 'pw-hal', { mechanism, starttls: false, resource: mechanism }),
        `hal@localhost/${mechanism}`,
      );
      c.close();
    }
    const c = await TestClient.connect(server.port);
    c.openStream();
    const features = await c.expectName('features', NS_STREAM);
    assert.deepEqual(mechanisms(features), ['SCRAM-SHA-256', 'SCRAM-SHA-1']);
    // Asking for it anyway is refused (RFC 6120 §6.4.5 invalid-mechanism).
    c.send(plainAuth('hal', 'pw-hal'));
    assert.equal(await saslFailure(c), 'invalid-mechanism');
    c.close();
  });

  test('PLAIN is offered after STARTTLS and on the plain listener', async () => {
    const tls = await TestClient.connect(server.port);
    assert.equal(
      await tls.login('hal', 'pw-hal', { mechanism: 'PLAIN', resource: 'tls' }),
      'hal@localhost/tls',
    );
    tls.close();
    const plain = await TestClient.connect(server.plainPort);
    plain.openStream();
    assert.ok(mechanisms(await plain.expectName('features', NS_STREAM)).includes('PLAIN'));
    plain.close();
  });

  test('three wrong passwords close the connection', async () => {
    const c = await TestClient.connect(server.plainPort);
    c.openStream();
    await c.expectName('features', NS_STREAM);
    for (let i = 0; i < 3; i++) {
      c.send(plainAuth('ivy', 'wrong'));
      assert.equal(await saslFailure(c), 'not-authorized');
    }
    assert.equal(await c.expectStreamError(), 'policy-violation');
    await c.closed;
  });

  test('two wrong passwords, then the right one, logs in', async () => {
    const c = await TestClient.connect(server.plainPort);
    c.openStream();
    const features = await c.expectName('features', NS_STREAM);
    for (let i = 0; i < 2; i++) {
      c.send(plainAuth('ivy', 'wrong'));
      assert.equal(await saslFailure(c), 'not-authorized');
    }
    await c.authenticate(features, 'ivy', 'pw-ivy', 'PLAIN');
    c.openStream();
    await c.expectName('features', NS_STREAM);
    assert.match(await c.bind('third'), /^ivy@localhost\/third$/);
    c.close();
  });

  test('SASL abort gets <aborted/> and authentication can start again', async () => {
    const c = await TestClient.connect(server.port);
    c.openStream();
    const features = await c.expectName('features', NS_STREAM);
    c.send(
      x(
        'auth',
        NS_SASL,
        { mechanism: 'SCRAM-SHA-256' },
        Buffer.from('n,,n=ivy,r=abcdefgh').toString('base64'),
      ),
    );
    assert.equal((await c.expect((e) => e.ns === NS_SASL)).name, 'challenge');
    c.send(x('abort', NS_SASL));
    assert.equal(await saslFailure(c), 'aborted');
    await c.authenticate(features, 'ivy', 'pw-ivy', 'SCRAM-SHA-256');
    c.openStream();
    await c.expectName('features', NS_STREAM);
    assert.equal(await c.bind('after-abort'), 'ivy@localhost/after-abort');
    c.close();
  });

  test('invalid base64 gets <incorrect-encoding/>', async () => {
    const c = await TestClient.connect(server.plainPort);
    c.openStream();
    await c.expectName('features', NS_STREAM);
    c.send(x('auth', NS_SASL, { mechanism: 'PLAIN' }, '!!!not base64***'));
    assert.equal(await saslFailure(c), 'incorrect-encoding');
    c.send(x('auth', NS_SASL, { mechanism: 'PLAIN' }, 'AGl2eQBwdy1pdnk')); // missing padding
    assert.equal(await saslFailure(c), 'incorrect-encoding');
    c.close();
  });

  test('an IQ of the bind namespace after binding is not re-binding', async () => {
    const c = await TestClient.connect(server.plainPort);
    await c.login('ann', 'pw-ann', { ...PLAIN, resource: 'once' });
    const reply = await c.iq(
      x(
        'iq',
        NS_CLIENT,
        { type: 'set' },
        x('bind', NS_BIND, {}, x('resource', NS_BIND, {}, 'twice')),
      ),
    );
    assert.equal(reply.attrs.type, 'error');
    assert.ok(
      reply
        .getChild('error')
        ?.elements()
        .some((e) => e.ns === NS_STANZAS),
    );
    c.close();
  });
});

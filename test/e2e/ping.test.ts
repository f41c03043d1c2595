import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseJid } from '../../src/jid/index.ts';
import { type Element, NS_CLIENT, NS_PING, NS_STANZAS, x } from '../../src/xml/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';
import { stopXmppJs, xml, xmppJs } from '../support/xmpp-js.ts';

const PW = 'ping-pw';

function ping(to: string | undefined, type = 'get'): Element {
  return x('iq', NS_CLIENT, { type, to }, x('ping', NS_PING));
}

function errorCondition(el: Element): string | undefined {
  return el
    .getChild('error', NS_CLIENT)
    ?.elements()
    .find((e) => e.ns === NS_STANZAS && e.name !== 'text')?.name;
}

const isServerPing = (el: Element) =>
  el.name === 'iq' && el.attrs.type === 'get' && el.getChild('ping', NS_PING) !== undefined;

describe('mod_ping: client to server', () => {
  let server: TestServer;
  let alice: TestClient;
  before(async () => {
    server = await startTestServer({ toml: '[modules.mod_ping]\n' });
    for (const u of ['alice', 'bob']) await server.register(u, PW);
    alice = await TestClient.connect(server.plainPort);
    await alice.login('alice', PW, { mechanism: 'PLAIN', starttls: false, resource: 'p' });
  });
  after(async () => {
    alice.close();
    await server.stop();
  });

  test('the server answers a ping with an empty result (XEP-0199 §4.2)', async () => {
    const reply = await alice.iq(ping('localhost'));
    assert.equal(reply.attrs.type, 'result');
    assert.equal(reply.attrs.from, 'localhost');
    assert.equal(reply.attrs.to, 'alice@localhost/p');
    assert.deepEqual(reply.elements(), []);
  });

  test('a ping without to, or to a bare JID, is answered by the server for the account', async () => {
    assert.equal((await alice.iq(ping(undefined))).attrs.type, 'result');
    const own = await alice.iq(ping('alice@localhost'));
    assert.equal(own.attrs.type, 'result');
    assert.equal(own.attrs.from, 'alice@localhost');
    assert.equal((await alice.iq(ping('bob@localhost'))).attrs.type, 'result');
  });

  test('a ping to a missing account or resource is service-unavailable', async () => {
    const nobody = await alice.iq(ping('nobody@localhost'));
    assert.equal(errorCondition(nobody), 'service-unavailable');
    const gone = await alice.iq(ping('bob@localhost/gone'));
    assert.equal(errorCondition(gone), 'service-unavailable');
    assert.equal(gone.attrs.from, 'bob@localhost/gone', 'XEP-0199 §6: from is the full JID');
  });

  test('a ping of type set is refused', async () => {
    assert.equal(errorCondition(await alice.iq(ping('localhost', 'set'))), 'not-allowed');
  });

  test('@xmpp/client pings the server', async () => {
    const bob = await xmppJs({
      service: `xmpp://127.0.0.1:${server.port}`,
      username: 'bob',
      password: PW,
      resource: 'lib',
    });
    try {
      const reply = await bob.iqCaller.request(
        xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: NS_PING })),
      );
      assert.equal(reply.attrs.type, 'result');
    } finally {
      await stopXmppJs(bob);
    }
  });
});

describe('mod_ping: server to idle clients', () => {
  let server: TestServer;
  const login = async (user: string): Promise<TestClient> => {
    const c = await TestClient.connect(server.plainPort);
    await c.login(user, PW, { mechanism: 'PLAIN', starttls: false, resource: 'idle' });
    return c;
  };
  before(async () => {
    server = await startTestServer({
      toml: '[modules.mod_ping]\nsend_pings = true\nping_interval = 1\nping_req_timeout = 1\n',
    });
    for (const u of ['carol', 'dave', 'erin', 'frank']) await server.register(u, PW);
  });
  after(async () => {
    await server.stop();
  });

  test('a client that answers pings stays connected', async () => {
    const carol = await login('carol');
    for (let i = 0; i < 2; i++) {
      const p = await carol.expect(isServerPing, 10_000);
      assert.equal(p.attrs.from, 'localhost');
      assert.equal(p.attrs.to, 'carol@localhost/idle');
      carol.send(x('iq', NS_CLIENT, { type: 'result', id: p.attrs.id, to: 'localhost' }));
    }
    assert.equal((await carol.iq(ping('localhost'))).attrs.type, 'result');
    assert.equal(carol.isClosed, false);
    carol.close();
  });

  test('an answer without a to address counts too', async () => {
    const dave = await login('dave');
    for (let i = 0; i < 2; i++) {
      const p = await dave.expect(isServerPing, 10_000);
      dave.send(x('iq', NS_CLIENT, { type: 'result', id: p.attrs.id }));
    }
    assert.equal((await dave.iq(ping('localhost'))).attrs.type, 'result');
    dave.close();
  });

  test('an error answer (no ping support) still proves the stream alive', async () => {
    const erin = await login('erin');
    for (let i = 0; i < 2; i++) {
      const p = await erin.expect(isServerPing, 10_000);
      erin.send(
        x(
          'iq',
          NS_CLIENT,
          { type: 'error', id: p.attrs.id, to: 'localhost' },
          x('error', NS_CLIENT, { type: 'cancel' }, x('service-unavailable', NS_STANZAS)),
        ),
      );
    }
    assert.equal((await erin.iq(ping('localhost'))).attrs.type, 'result');
    erin.close();
  });

  test('a client that ignores pings is closed with connection-timeout', async () => {
    const frank = await login('frank');
    await frank.expect(isServerPing, 10_000);
    assert.equal(await frank.expectStreamError(10_000), 'connection-timeout');
    await frank.closed;
    assert.equal(server.node.sm.resources(parseJid('frank@localhost')).length, 0);
  });
});

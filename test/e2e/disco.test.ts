import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type Element,
  NS_CLIENT,
  NS_DISCO_INFO,
  NS_DISCO_ITEMS,
  NS_LAST,
  NS_PING,
  NS_STANZAS,
  NS_TIME,
  NS_VERSION,
  x,
} from '../../src/xml/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';
import { stopXmppJs, xml, xmppJs } from '../support/xmpp-js.ts';

const PW = 'disco-pw';
const ALL = `
[modules.mod_disco]
[modules.mod_ping]
[modules.mod_version]
[modules.mod_last]
[modules.mod_time]
[modules.mod_offline]
`;

function query(ns: string, to: string, attrs: Record<string, string> = {}, type = 'get'): Element {
  return x('iq', NS_CLIENT, { type, to }, x('query', ns, attrs));
}

function features(reply: Element): string[] {
  return (
    reply
      .getChild('query', NS_DISCO_INFO)
      ?.getChildren('feature', NS_DISCO_INFO)
      .map((f) => f.attrs.var ?? '') ?? []
  );
}

function identities(reply: Element): string[] {
  return (
    reply
      .getChild('query', NS_DISCO_INFO)
      ?.getChildren('identity', NS_DISCO_INFO)
      .map((i) => `${i.attrs.category}/${i.attrs.type}/${i.attrs.name ?? ''}`) ?? []
  );
}

function errorCondition(el: Element): string | undefined {
  return el
    .getChild('error', NS_CLIENT)
    ?.elements()
    .find((e) => e.ns === NS_STANZAS && e.name !== 'text')?.name;
}

describe('mod_disco end to end', () => {
  let server: TestServer;
  let alice: TestClient;
  const login = async (user: string): Promise<TestClient> => {
    const c = await TestClient.connect(server.plainPort);
    await c.login(user, PW, { mechanism: 'PLAIN', starttls: false, resource: 'd' });
    return c;
  };
  before(async () => {
    server = await startTestServer({ toml: ALL });
    for (const u of ['alice', 'bob', 'carol']) await server.register(u, PW);
    alice = await login('alice');
  });
  after(async () => {
    alice.close();
    await server.stop();
  });

  test('server disco#info: server/im identity and the loaded modules’ features', async () => {
    const reply = await alice.iq(query(NS_DISCO_INFO, 'localhost'));
    assert.equal(reply.attrs.type, 'result');
    assert.equal(reply.attrs.from, 'localhost');
    assert.deepEqual(identities(reply), ['server/im/Meerkat']);
    const got = features(reply);
    assert.deepEqual(got, [...new Set(got)].sort(), 'each feature once, sorted');
    for (const f of [NS_DISCO_INFO, NS_DISCO_ITEMS, NS_PING, NS_VERSION, NS_LAST, NS_TIME]) {
      assert.ok(got.includes(f), `${f} in ${got.join(' ')}`);
    }
    assert.ok(got.includes('msgoffline'), 'XEP-0160 §6 feature declared by mod_offline');
  });

  test('features and identities added through the disco hooks appear', async () => {
    const undo = [
      server.node.hooks.add({
        hook: 'disco-local-features',
        handler: (acc) => acc.add('urn:example:extra'),
      }),
      server.node.hooks.add({
        hook: 'disco-local-identities',
        handler: (acc) => [...acc, { category: 'pubsub', type: 'pep' }],
      }),
    ];
    try {
      const reply = await alice.iq(query(NS_DISCO_INFO, 'localhost'));
      assert.ok(features(reply).includes('urn:example:extra'));
      assert.deepEqual(identities(reply), ['server/im/Meerkat', 'pubsub/pep/']);
    } finally {
      for (const u of undo) u();
    }
  });

  test('server disco#items lists the items modules add, empty otherwise', async () => {
    const empty = await alice.iq(query(NS_DISCO_ITEMS, 'localhost'));
    assert.equal(empty.attrs.type, 'result');
    assert.deepEqual(empty.getChild('query', NS_DISCO_ITEMS)?.elements(), []);
    const undo = server.node.hooks.add({
      hook: 'disco-local-items',
      handler: (acc, { domain }) => [...acc, { jid: `conference.${domain}`, name: 'Rooms' }],
    });
    try {
      const reply = await alice.iq(query(NS_DISCO_ITEMS, 'localhost'));
      const items = reply.getChild('query', NS_DISCO_ITEMS)?.getChildren('item', NS_DISCO_ITEMS);
      assert.deepEqual(
        items?.map((i) => [i.attrs.jid, i.attrs.name]),
        [['conference.localhost', 'Rooms']],
      );
    } finally {
      undo();
    }
  });

  test('an unknown node is item-not-found; a set is not-allowed (XEP-0030 §3.1)', async () => {
    const info = await alice.iq(query(NS_DISCO_INFO, 'localhost', { node: 'nope' }));
    assert.equal(info.attrs.type, 'error');
    assert.equal(errorCondition(info), 'item-not-found');
    const items = await alice.iq(query(NS_DISCO_ITEMS, 'localhost', { node: 'nope' }));
    assert.equal(errorCondition(items), 'item-not-found');
    const set = await alice.iq(query(NS_DISCO_INFO, 'localhost', {}, 'set'));
    assert.equal(errorCondition(set), 'not-allowed');
  });

  test('own account: account/registered with the account features', async () => {
    const reply = await alice.iq(query(NS_DISCO_INFO, 'alice@localhost'));
    assert.equal(reply.attrs.type, 'result');
    assert.equal(reply.attrs.from, 'alice@localhost');
    assert.deepEqual(identities(reply), ['account/registered/']);
    const got = features(reply);
    assert.ok(got.includes(NS_DISCO_INFO) && got.includes(NS_LAST), got.join(' '));
    assert.ok(!got.includes(NS_TIME), 'server-only features are not account features');
    const items = await alice.iq(query(NS_DISCO_ITEMS, 'alice@localhost'));
    assert.equal(items.attrs.type, 'result');
  });

  test('another account answers only subscribed contacts; others get service-unavailable', async () => {
    const denied = await alice.iq(query(NS_DISCO_INFO, 'bob@localhost'));
    assert.equal(denied.attrs.type, 'error');
    assert.equal(errorCondition(denied), 'service-unavailable');
    const deniedItems = await alice.iq(query(NS_DISCO_ITEMS, 'bob@localhost'));
    assert.equal(errorCondition(deniedItems), 'service-unavailable');

    // Bob's roster says alice is subscribed to his presence.
    const undo = server.node.hooks.add({
      hook: 'roster-get-subscription',
      handler: (acc, { user, contact }) =>
        user.bareString() === 'bob@localhost' && contact.bareString() === 'alice@localhost'
          ? 'from'
          : acc,
    });
    const extra = server.node.hooks.add({
      hook: 'disco-sm-features',
      handler: (acc, { user }) => acc.add(`urn:example:for:${user.local}`),
    });
    try {
      const ok = await alice.iq(query(NS_DISCO_INFO, 'bob@localhost'));
      assert.equal(ok.attrs.type, 'result');
      assert.deepEqual(identities(ok), ['account/registered/']);
      assert.ok(features(ok).includes('urn:example:for:bob'));
      const carol = await alice.iq(query(NS_DISCO_INFO, 'carol@localhost'));
      assert.equal(errorCondition(carol), 'service-unavailable', 'only bob subscribed');
    } finally {
      undo();
      extra();
    }
  });

  test('a non-existent account is service-unavailable (RFC 6121 §8.5.1)', async () => {
    const reply = await alice.iq(query(NS_DISCO_INFO, 'nobody@localhost'));
    assert.equal(reply.attrs.type, 'error');
    assert.equal(reply.attrs.from, 'nobody@localhost');
    assert.equal(errorCondition(reply), 'service-unavailable');
  });

  test('@xmpp/client discovers the server features', async () => {
    const bob = await xmppJs({
      service: `xmpp://127.0.0.1:${server.port}`,
      username: 'bob',
      password: PW,
      resource: 'lib',
    });
    try {
      const reply = await bob.iqCaller.request(
        xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS_DISCO_INFO })),
      );
      const vars = reply
        .getChild('query', NS_DISCO_INFO)
        ?.getChildren('feature')
        .map((f) => f.attrs.var);
      assert.ok(vars?.includes(NS_PING) && vars.includes('msgoffline'), String(vars));
    } finally {
      await stopXmppJs(bob);
    }
  });
});

describe('mod_disco features follow the loaded modules', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ toml: '[modules.mod_disco]\n[modules.mod_time]\n' });
    await server.register('solo', PW);
  });
  after(async () => {
    await server.stop();
  });

  test('only disco and time are advertised when only they run', async () => {
    const c = await TestClient.connect(server.plainPort);
    await c.login('solo', PW, { mechanism: 'PLAIN', starttls: false });
    const reply = await c.iq(query(NS_DISCO_INFO, 'localhost'));
    assert.deepEqual(features(reply), [NS_DISCO_INFO, NS_DISCO_ITEMS, NS_TIME].sort());
    c.close();
  });
});

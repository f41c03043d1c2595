import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type Element,
  NS_CLIENT,
  NS_DATA_FORMS,
  NS_DELAY,
  NS_DISCO_INFO,
  NS_DISCO_ITEMS,
  x,
} from '../../src/xml/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import type { TestClient } from '../support/xmpp-client.ts';
import {
  befriend,
  capsPresence,
  errorCondition,
  form,
  isEvent,
  itemIds,
  itemsIq,
  login,
  NS_PUBSUB,
  NS_PUBSUB_EVENT,
  NS_PUBSUB_OWNER,
  ownerIq,
  publishIq,
  pubsubCondition,
} from './pep-support.ts';

const NODE_CONFIG = 'http://jabber.org/protocol/pubsub#node_config';
const tune = (title: string): Element =>
  x(
    'tune',
    'http://jabber.org/protocol/tune',
    {},
    x('title', 'http://jabber.org/protocol/tune', {}, title),
  );

function field(formEl: Element | undefined, v: string): string[] {
  const f = formEl?.getChildren('field', NS_DATA_FORMS).find((e) => e.attrs.var === v);
  return (f?.getChildren('value', NS_DATA_FORMS) ?? []).map((e) => e.text());
}

describe('mod_pep (XEP-0163) with our story client', () => {
  let server: TestServer;
  const clients: TestClient[] = [];
  const connect = (user: string, resource?: string) => login(server, clients, user, resource);

  before(async () => {
    server = await startTestServer({
      toml: '[modules.mod_roster]\n[modules.mod_presence]\n[modules.mod_disco]\n[modules.mod_ping]\n[modules.mod_pep]\nmax_items_per_node = 5\nmax_payload_size = 512\nmax_nodes_per_user = 3\n',
    });
    const users = [
      'alice',
      'bob',
      'carol',
      'dave',
      'erin',
      'frank',
      'gus',
      'hana',
      'ivan',
      'judy',
      'kim',
    ];
    for (const u of users) await server.register(u, 'pw');
    await befriend(server, 'alice', 'bob');
    await befriend(server, 'erin', 'frank');
    await befriend(server, 'gus', 'hana');
    await befriend(server, 'ivan', 'judy');
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await server.stop();
  });

  test('the account advertises pubsub/pep and the PEP features', async () => {
    const a = await connect('alice');
    const r = await a.iq(
      x('iq', NS_CLIENT, { type: 'get', to: 'alice@localhost' }, x('query', NS_DISCO_INFO)),
    );
    const q = r.getChild('query', NS_DISCO_INFO)!;
    assert.ok(
      q
        .getChildren('identity', NS_DISCO_INFO)
        .some((i) => i.attrs.category === 'pubsub' && i.attrs.type === 'pep'),
    );
    const features = q.getChildren('feature', NS_DISCO_INFO).map((f) => f.attrs.var);
    for (const f of [
      'publish',
      'auto-create',
      'publish-options',
      'last-published',
      'access-whitelist',
      'purge-nodes',
    ]) {
      assert.ok(features.includes(`${NS_PUBSUB}#${f}`), f);
    }
  });

  test('publish auto-creates the node, generates an id, and keeps the last item by default', async () => {
    const a = await connect('alice');
    const r1 = await a.iq(publishIq('http://jabber.org/protocol/tune', tune('one')));
    assert.equal(r1.attrs.type, 'result');
    const id = r1
      .getChild('pubsub', NS_PUBSUB)
      ?.getChild('publish', NS_PUBSUB)
      ?.getChild('item', NS_PUBSUB)?.attrs.id;
    assert.ok(id && id.length > 0);
    await a.iq(publishIq('http://jabber.org/protocol/tune', tune('two'), { id: 'mine' }));
    const items = await a.iq(itemsIq(undefined, 'http://jabber.org/protocol/tune'));
    assert.deepEqual(itemIds(items), ['mine']);
    const item = items
      .getChild('pubsub', NS_PUBSUB)!
      .getChild('items', NS_PUBSUB)!
      .getChild('item', NS_PUBSUB)!;
    assert.equal(
      item.getChild('tune', 'http://jabber.org/protocol/tune')?.getChildText('title'),
      'two',
    );
    // disco#items of the account lists the node.
    const di = await a.iq(
      x('iq', NS_CLIENT, { type: 'get', to: 'alice@localhost' }, x('query', NS_DISCO_ITEMS)),
    );
    const nodes = di
      .getChild('query', NS_DISCO_ITEMS)!
      .elements()
      .map((e) => e.attrs.node);
    assert.ok(nodes.includes('http://jabber.org/protocol/tune'));
  });

  test('publish-options create the node configured; a mismatch is conflict + precondition-not-met', async () => {
    const c = await connect('carol');
    const ok = await c.iq(
      publishIq('urn:xmpp:bookmarks:1', x('conference', 'urn:xmpp:bookmarks:1'), {
        id: 'room@muc',
        options: {
          'pubsub#persist_items': 'true',
          'pubsub#max_items': 'max',
          'pubsub#access_model': 'whitelist',
        },
      }),
    );
    assert.equal(ok.attrs.type, 'result');
    for (const room of ['a@muc', 'b@muc']) {
      const r = await c.iq(
        publishIq('urn:xmpp:bookmarks:1', x('conference', 'urn:xmpp:bookmarks:1'), {
          id: room,
          options: { 'pubsub#max_items': 'max', 'pubsub#access_model': 'whitelist' },
        }),
      );
      assert.equal(r.attrs.type, 'result');
    }
    assert.deepEqual(itemIds(await c.iq(itemsIq(undefined, 'urn:xmpp:bookmarks:1'))), [
      'room@muc',
      'a@muc',
      'b@muc',
    ]);
    assert.deepEqual(itemIds(await c.iq(itemsIq(undefined, 'urn:xmpp:bookmarks:1', { max: 1 }))), [
      'b@muc',
    ]);
    assert.deepEqual(
      itemIds(await c.iq(itemsIq(undefined, 'urn:xmpp:bookmarks:1', { ids: ['a@muc'] }))),
      ['a@muc'],
    );
    const bad = await c.iq(
      publishIq('urn:xmpp:bookmarks:1', x('conference', 'urn:xmpp:bookmarks:1'), {
        options: { 'pubsub#access_model': 'open' },
      }),
    );
    assert.equal(errorCondition(bad), 'conflict');
    assert.equal(pubsubCondition(bad), 'precondition-not-met');
    assert.equal(
      itemIds(await c.iq(itemsIq(undefined, 'urn:xmpp:bookmarks:1'))).length,
      3,
      'nothing published',
    );
    // The node's configuration says what publish-options set.
    const conf = await c.iq(
      ownerIq('get', x('configure', NS_PUBSUB_OWNER, { node: 'urn:xmpp:bookmarks:1' })),
    );
    const f = conf
      .getChild('pubsub', NS_PUBSUB_OWNER)
      ?.getChild('configure', NS_PUBSUB_OWNER)
      ?.getChild('x', NS_DATA_FORMS);
    assert.deepEqual(field(f, 'pubsub#access_model'), ['whitelist']);
    assert.deepEqual(field(f, 'pubsub#max_items'), ['max']);
  });

  test('access models: presence for subscribers, open for anyone, whitelist for the owner', async () => {
    const e = await connect('erin');
    await e.iq(publishIq('urn:test:presence', x('p', 'urn:test')));
    await e.iq(
      publishIq('urn:test:open', x('p', 'urn:test'), {
        options: { 'pubsub#access_model': 'open' },
      }),
    );
    await e.iq(
      publishIq('urn:test:white', x('p', 'urn:test'), {
        options: { 'pubsub#access_model': 'whitelist' },
      }),
    );
    const friend = await connect('frank');
    const stranger = await connect('kim');
    assert.equal(
      itemIds(await friend.iq(itemsIq('erin@localhost', 'urn:test:presence'))).length,
      1,
    );
    const denied = await stranger.iq(itemsIq('erin@localhost', 'urn:test:presence'));
    assert.equal(errorCondition(denied), 'not-authorized');
    assert.equal(pubsubCondition(denied), 'presence-subscription-required');
    assert.equal(itemIds(await stranger.iq(itemsIq('erin@localhost', 'urn:test:open'))).length, 1);
    const closed = await friend.iq(itemsIq('erin@localhost', 'urn:test:white'));
    assert.equal(errorCondition(closed), 'not-allowed');
    assert.equal(pubsubCondition(closed), 'closed-node');
    // Not the owner: no publishing to someone else's PEP service.
    const forbidden = await friend.iq(
      publishIq('urn:test:open', x('p', 'urn:test'), { to: 'erin@localhost' }),
    );
    assert.equal(errorCondition(forbidden), 'forbidden');
    const missing = await friend.iq(itemsIq('erin@localhost', 'urn:test:none'));
    assert.equal(errorCondition(missing), 'item-not-found');
  });

  test('notifications go to resources with +notify caps; retract, purge and delete are notified', async () => {
    const g = await connect('gus', 'pub');
    const h = await connect('hana', 'phone');
    await capsPresence(h, ['urn:test:mood']);
    const h2 = await connect('hana', 'nocaps');
    h2.send(x('presence', NS_CLIENT));
    await g.iq(publishIq('urn:test:other', x('p', 'urn:test'))); // hana does not want this node
    await g.iq(
      publishIq('urn:test:mood', x('mood', 'urn:test', {}, 'happy'), {
        id: 'm1',
        options: { 'pubsub#max_items': '3' },
      }),
    );
    const ev = await h.expect((el) => isEvent(el, 'gus@localhost', 'urn:test:mood'));
    assert.equal(ev.attrs.type, 'headline');
    assert.equal(ev.attrs.to, 'hana@localhost/phone');
    assert.deepEqual(itemIds(ev), ['m1']);
    assert.ok(
      !h.pending().some((el) => isEvent(el, 'gus@localhost', 'urn:test:other')),
      'no +notify, no event',
    );
    await g.iq(publishIq('urn:test:mood', x('mood', 'urn:test', {}, 'sad'), { id: 'm2' }));
    await h.expect(
      (el) => isEvent(el, 'gus@localhost', 'urn:test:mood') && itemIds(el)[0] === 'm2',
    );
    const retract = x(
      'iq',
      NS_CLIENT,
      { type: 'set' },
      x(
        'pubsub',
        NS_PUBSUB,
        {},
        x(
          'retract',
          NS_PUBSUB,
          { node: 'urn:test:mood', notify: 'true' },
          x('item', NS_PUBSUB, { id: 'm1' }),
        ),
      ),
    );
    assert.equal((await g.iq(retract)).attrs.type, 'result');
    const r = await h.expect(
      (el) =>
        isEvent(el, 'gus@localhost', 'urn:test:mood') &&
        !!el
          .getChild('event', NS_PUBSUB_EVENT)
          ?.getChild('items', NS_PUBSUB_EVENT)
          ?.getChild('retract', NS_PUBSUB_EVENT),
    );
    assert.equal(
      r
        .getChild('event', NS_PUBSUB_EVENT)!
        .getChild('items', NS_PUBSUB_EVENT)!
        .getChild('retract', NS_PUBSUB_EVENT)!.attrs.id,
      'm1',
    );
    assert.equal(errorCondition(await g.iq(retract)), 'item-not-found');
    assert.equal(
      (await g.iq(ownerIq('set', x('purge', NS_PUBSUB_OWNER, { node: 'urn:test:mood' })))).attrs
        .type,
      'result',
    );
    await h.expect(
      (el) =>
        el.getChild('event', NS_PUBSUB_EVENT)?.getChild('purge', NS_PUBSUB_EVENT)?.attrs.node ===
        'urn:test:mood',
    );
    assert.deepEqual(itemIds(await g.iq(itemsIq(undefined, 'urn:test:mood'))), []);
    assert.equal(
      (await g.iq(ownerIq('set', x('delete', NS_PUBSUB_OWNER, { node: 'urn:test:mood' })))).attrs
        .type,
      'result',
    );
    await h.expect(
      (el) =>
        el.getChild('event', NS_PUBSUB_EVENT)?.getChild('delete', NS_PUBSUB_EVENT)?.attrs.node ===
        'urn:test:mood',
    );
    assert.equal(errorCondition(await g.iq(itemsIq(undefined, 'urn:test:mood'))), 'item-not-found');
    // The resource without caps got none of it (a round trip shows its queue is drained).
    await h2.iq(x('iq', NS_CLIENT, { type: 'get' }, x('ping', 'urn:xmpp:ping')));
    assert.ok(!h2.pending().some((el) => el.getChild('event', NS_PUBSUB_EVENT)));
  });

  test('the last published item goes to a new available resource, with its delay', async () => {
    const i = await connect('ivan');
    await i.iq(publishIq('urn:test:nick', x('nick', 'urn:test', {}, 'Ivan'), { id: 'n1' }));
    const j = await connect('judy');
    await capsPresence(j, ['urn:test:nick']);
    const ev = await j.expect((el) => isEvent(el, 'ivan@localhost', 'urn:test:nick'));
    assert.deepEqual(itemIds(ev), ['n1']);
    assert.ok(ev.getChild('delay', NS_DELAY)?.attrs.stamp);
    // The owner's own new resource gets it too.
    const i2 = await connect('ivan', 'two');
    await capsPresence(i2, ['urn:test:nick']);
    await i2.expect((el) => isEvent(el, 'ivan@localhost', 'urn:test:nick'));
  });

  test('node configuration get/set by the owner only; lowering max_items trims', async () => {
    const d = await connect('dave');
    for (const id of ['1', '2', '3']) {
      await d.iq(
        publishIq('urn:test:cfg', x('p', 'urn:test'), { id, options: { 'pubsub#max_items': '3' } }),
      );
    }
    const set = ownerIq(
      'set',
      x(
        'configure',
        NS_PUBSUB_OWNER,
        { node: 'urn:test:cfg' },
        form(NODE_CONFIG, { 'pubsub#max_items': '2', 'pubsub#access_model': 'open' }),
      ),
    );
    assert.equal((await d.iq(set)).attrs.type, 'result');
    assert.deepEqual(itemIds(await d.iq(itemsIq(undefined, 'urn:test:cfg'))), ['2', '3']);
    const stranger = await connect('kim', 'cfg');
    assert.equal(itemIds(await stranger.iq(itemsIq('dave@localhost', 'urn:test:cfg'))).length, 2);
    const foreign = x(
      'iq',
      NS_CLIENT,
      { type: 'get', to: 'dave@localhost' },
      x('pubsub', NS_PUBSUB_OWNER, {}, x('configure', NS_PUBSUB_OWNER, { node: 'urn:test:cfg' })),
    );
    assert.equal(errorCondition(await stranger.iq(foreign)), 'forbidden');
    const unknown = ownerIq(
      'set',
      x(
        'configure',
        NS_PUBSUB_OWNER,
        { node: 'urn:test:cfg' },
        form(NODE_CONFIG, { 'pubsub#frobnicate': '1' }),
      ),
    );
    assert.equal(errorCondition(await d.iq(unknown)), 'not-acceptable');
  });

  test('limits: payload size, items per node and nodes per account are named in the error', async () => {
    const k = await connect('kim', 'limits');
    const big = await k.iq(publishIq('urn:test:big', x('p', 'urn:test', {}, 'x'.repeat(600))));
    assert.equal(errorCondition(big), 'not-acceptable');
    assert.equal(pubsubCondition(big), 'payload-too-big');
    assert.match(big.getChild('error', NS_CLIENT)?.getChildText('text') ?? '', /512 bytes/);
    const many = await k.iq(
      publishIq('urn:test:many', x('p', 'urn:test'), { options: { 'pubsub#max_items': '6' } }),
    );
    assert.equal(errorCondition(many), 'conflict');
    assert.match(many.getChild('error', NS_CLIENT)?.getChildText('text') ?? '', /5 items per node/);
    for (const n of ['n1', 'n2', 'n3']) {
      assert.equal(
        (await k.iq(publishIq(`urn:test:${n}`, x('p', 'urn:test')))).attrs.type,
        'result',
      );
    }
    const fourth = await k.iq(publishIq('urn:test:n4', x('p', 'urn:test')));
    assert.equal(errorCondition(fourth), 'policy-violation');
    assert.match(
      fourth.getChild('error', NS_CLIENT)?.getChildText('text') ?? '',
      /at most 3 PEP nodes/,
    );
    // max publishes up to the server's cap.
    await k.iq(ownerIq('set', x('delete', NS_PUBSUB_OWNER, { node: 'urn:test:n3' })));
    for (let i = 0; i < 7; i++) {
      await k.iq(
        publishIq('urn:test:max', x('p', 'urn:test'), {
          id: `i${i}`,
          options: { 'pubsub#max_items': 'max' },
        }),
      );
    }
    assert.deepEqual(itemIds(await k.iq(itemsIq(undefined, 'urn:test:max'))), [
      'i2',
      'i3',
      'i4',
      'i5',
      'i6',
    ]);
  });

  test('removing the account deletes its nodes', async () => {
    await server.register('zed', 'pw');
    const z = await connect('zed');
    await z.iq(publishIq('urn:test:gone', x('p', 'urn:test')));
    z.close();
    await z.closed;
    assert.equal(await server.node.admin.accounts.unregister('zed', 'localhost'), true);
    await server.register('zed', 'pw');
    const z2 = await connect('zed', 'again');
    assert.equal(
      errorCondition(await z2.iq(itemsIq(undefined, 'urn:test:gone'))),
      'item-not-found',
    );
  });
});

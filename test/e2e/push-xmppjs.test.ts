import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@xmpp/client';
import { errorReply, StanzaError } from '../../src/errors/index.ts';
import { type Jid, parseJid } from '../../src/jid/index.ts';
import { createPushStore, type PushStore } from '../../src/modules/push/index.ts';
import { openDatabase, type SqlDb } from '../../src/storage/index.ts';
import { type Element, NS_CLIENT, NS_DATA_FORMS, NS_DISCO_INFO, x } from '../../src/xml/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';
import { stopXmppJs, xml, xmppJs } from '../support/xmpp-js.ts';

const NS_PUSH = 'urn:xmpp:push:0';
const NS_PUBSUB = 'http://jabber.org/protocol/pubsub';
const APP = 'push.localhost';

interface Publish {
  from: string;
  node: string;
  fields: Record<string, string[]>;
  options: Record<string, string[]>;
}

function formFields(form: Element | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const f of form?.getChildren('field', NS_DATA_FORMS) ?? []) {
    out[f.attrs.var ?? ''] = f.getChildren('value', NS_DATA_FORMS).map((v) => v.text());
  }
  return out;
}

/**
 * The app server (XEP-0357 §3): an in-process service at push.localhost that records each
 * pubsub publish and answers per node: a result, an error, or `wait` once then a result.
 */
function appServer(server: TestServer) {
  const received: Publish[] = [];
  const behaviour = new Map<string, 'ok' | 'gone' | 'wait-once'>();
  const waited = new Set<string>();
  server.node.router.registerService(APP, async (stanza: Element, from: Jid, to: Jid) => {
    if (stanza.name !== 'iq' || stanza.attrs.type !== 'set') return;
    const pubsub = stanza.getChild('pubsub', NS_PUBSUB);
    const publish = pubsub?.getChild('publish', NS_PUBSUB);
    const node = publish?.attrs.node ?? '';
    const notification = publish?.getChild('item', NS_PUBSUB)?.getChild('notification', NS_PUSH);
    received.push({
      from: stanza.attrs.from ?? '',
      node,
      fields: formFields(notification?.getChild('x', NS_DATA_FORMS)),
      options: formFields(
        pubsub?.getChild('publish-options', NS_PUBSUB)?.getChild('x', NS_DATA_FORMS),
      ),
    });
    const mode = behaviour.get(node) ?? 'ok';
    let reply: Element;
    if (mode === 'gone') reply = errorReply(stanza, new StanzaError('item-not-found'));
    else if (mode === 'wait-once' && !waited.has(node)) {
      waited.add(node);
      reply = errorReply(stanza, new StanzaError('resource-constraint'));
    } else reply = x('iq', NS_CLIENT, { type: 'result', id: stanza.attrs.id });
    reply.setAttr('from', to.toString());
    reply.setAttr('to', from.toString());
    await server.node.router.route(reply, to, from);
  });
  return {
    received,
    behaviour,
    async until(pred: (p: Publish) => boolean, what: string): Promise<Publish> {
      for (let i = 0; i < 600; i++) {
        const hit = received.find(pred);
        if (hit) return hit;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`no publish ${what}; got ${JSON.stringify(received)}`);
    },
  };
}

const enable = (node: string, secret?: string) =>
  xml(
    'iq',
    { type: 'set' },
    xml(
      'enable',
      { xmlns: NS_PUSH, jid: APP, node },
      ...(secret === undefined
        ? []
        : [
            xml(
              'x',
              { xmlns: NS_DATA_FORMS, type: 'submit' },
              xml(
                'field',
                { var: 'FORM_TYPE' },
                xml('value', {}, 'http://jabber.org/protocol/pubsub#publish-options'),
              ),
              xml('field', { var: 'secret' }, xml('value', {}, secret)),
            ),
          ]),
    ),
  );

const chat = (to: string, body: string) =>
  x('message', NS_CLIENT, { to, type: 'chat' }, x('body', NS_CLIENT, {}, body));

describe('XEP-0357 push notifications with @xmpp/client and a local app server', () => {
  let server: TestServer;
  let app: ReturnType<typeof appServer>;
  let db: SqlDb;
  let store: PushStore;
  let bob: TestClient;
  before(async () => {
    server = await startTestServer({
      toml: `
[modules.mod_presence]
[modules.mod_roster]
[modules.mod_disco]
[modules.mod_offline]
[modules.mod_stream_management]
[modules.mod_event_pusher_push]
include_body = true
retry_delay = 1
`,
    });
    app = appServer(server);
    for (const u of ['pusha', 'pushb', 'pushc', 'pushd', 'pushbob']) {
      await server.register(u, `pw-${u}`);
    }
    // A second handle on the node's database: the test reads the registrations it holds.
    db = await openDatabase({ backend: 'sqlite', path: server.config.storage.sqlite.path });
    store = await createPushStore(db);
    bob = await TestClient.connect(server.plainPort);
    await bob.login('pushbob', 'pw-pushbob', {
      mechanism: 'PLAIN',
      starttls: false,
      resource: 'b',
    });
  });
  after(async () => {
    bob.close();
    await db.close();
    await server.stop();
  });

  const phone = (user: string): Promise<Client> =>
    xmppJs({
      service: `xmpp://127.0.0.1:${server.plainPort}`,
      username: user,
      password: `pw-${user}`,
      resource: 'phone',
      mechanism: 'PLAIN',
    });

  test('the account advertises push; an offline client gets a summary per message with count, sender, body and its secret', async () => {
    const alice = await phone('pusha');
    const info = await alice.iqCaller.request(
      xml('iq', { type: 'get', to: 'pusha@localhost' }, xml('query', { xmlns: NS_DISCO_INFO })),
    );
    const features = info
      .getChild('query')!
      .getChildren('feature')
      .map((f) => f.attrs.var);
    assert.ok(features.includes(NS_PUSH), features.join(' '));
    await alice.iqCaller.request(enable('alice-node', 's3cret'));
    await stopXmppJs(alice);
    for (let i = 0; i < 200 && server.node.sm.resources(parseJid('pusha@localhost')).length; i++)
      await new Promise((r) => setTimeout(r, 25));

    bob.send(chat('pusha@localhost', 'first'));
    bob.send(chat('pusha@localhost', 'second'));
    const second = await app.until(
      (p) => p.node === 'alice-node' && p.fields['last-message-body']?.[0] === 'second',
      'for the second message',
    );
    const first = app.received.find((p) => p.fields['last-message-body']?.[0] === 'first');
    assert.ok(first);
    assert.deepEqual(first, {
      from: 'localhost',
      node: 'alice-node',
      fields: {
        FORM_TYPE: ['urn:xmpp:push:summary'],
        'message-count': ['1'],
        'last-message-sender': ['pushbob@localhost/b'],
        'last-message-body': ['first'],
      },
      options: {
        FORM_TYPE: ['http://jabber.org/protocol/pubsub#publish-options'],
        secret: ['s3cret'],
      },
    });
    assert.deepEqual(second.fields['message-count'], ['2']);
  });

  test('a client whose stream-management session is detached is notified; an online one is not', async () => {
    const carol = await phone('pushc');
    try {
      await carol.iqCaller.request(enable('carol-node'));
      // Online and attached: delivered directly, no publish. The barrier is the delivery itself.
      const got = new Promise<void>((resolve) =>
        carol.on('stanza', (s) => {
          if (s.getChildText('body') === 'while online') resolve();
        }),
      );
      bob.send(chat('pushc@localhost/phone', 'while online'));
      await got;
      const session = server.node.sm.get(parseJid('pushc@localhost/phone'))!;
      const wrapper = (carol as unknown as { socket: { socket?: Socket } & Partial<Socket> })
        .socket;
      (wrapper.socket ?? (wrapper as Socket)).destroy();
      for (let i = 0; i < 200 && !session.detached; i++)
        await new Promise((r) => setTimeout(r, 25));
      assert.equal(session.detached, true);
      bob.send(chat('pushc@localhost/phone', 'while detached'));
      const p = await app.until((q) => q.node === 'carol-node', 'for the detached client');
      assert.deepEqual(p.fields['last-message-body'], ['while detached']);
      assert.equal(
        app.received.filter((q) => q.node === 'carol-node').length,
        1,
        'the message sent while online caused no publish',
      );
    } finally {
      await stopXmppJs(carol);
    }
  });

  test('an error from the app server disables that registration; wait is retried; disable removes it', async () => {
    const dave = await phone('pushd');
    await dave.iqCaller.request(enable('d-gone'));
    await dave.iqCaller.request(enable('d-ok'));
    await dave.iqCaller.request(enable('d-retry'));
    await dave.iqCaller.request(enable('d-off'));
    await dave.iqCaller.request(
      xml('iq', { type: 'set' }, xml('disable', { xmlns: NS_PUSH, jid: APP, node: 'd-off' })),
    );
    await stopXmppJs(dave);
    app.behaviour.set('d-gone', 'gone');
    app.behaviour.set('d-retry', 'wait-once');
    for (let i = 0; i < 200 && server.node.sm.resources(parseJid('pushd@localhost')).length; i++)
      await new Promise((r) => setTimeout(r, 25));

    bob.send(chat('pushd@localhost', 'one'));
    await app.until((p) => p.node === 'd-ok', 'to d-ok');
    for (let i = 0; i < 600; i++) {
      const nodes = (await store.list('pushd', 'localhost')).map((r) => r.node);
      if (!nodes.includes('d-gone')) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.deepEqual(
      (await store.list('pushd', 'localhost')).map((r) => r.node),
      ['d-ok', 'd-retry'],
    );
    // The wait error was retried: the same message published twice to d-retry.
    await app.until(
      () => app.received.filter((p) => p.node === 'd-retry').length === 2,
      'retried to d-retry',
    );

    bob.send(chat('pushd@localhost', 'two'));
    await app.until(
      (p) => p.node === 'd-ok' && p.fields['last-message-body']?.[0] === 'two',
      'the second message to d-ok',
    );
    // Publishes of one message go out in registration order (d-gone < d-ok): none to d-gone.
    assert.equal(app.received.filter((p) => p.node === 'd-gone').length, 1);
    assert.equal(app.received.filter((p) => p.node === 'd-off').length, 0);
  });
});

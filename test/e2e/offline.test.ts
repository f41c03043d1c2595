import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Element } from '../../src/xml/index.ts';
import {
  NS_CHATSTATES,
  NS_CLIENT,
  NS_DELAY,
  NS_HINTS,
  NS_PING,
  NS_STANZAS,
  x,
} from '../../src/xml/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';
import { stopXmppJs, xml, xmppJs } from '../support/xmpp-js.ts';

const PW = 'secret-pw';
// The postgres test server shares one database across runs: names unique to this run.
const TAG = `${process.pid.toString(36)}${Date.now().toString(36)}`;
const u = (name: string) => `${name}${TAG}`;
const jid = (name: string) => `${u(name)}@localhost`;
const MAX = 3;

function chat(to: string, text: string, type = 'chat'): Element {
  return x('message', NS_CLIENT, { to, type }, x('body', NS_CLIENT, {}, text));
}

/** Round trip to the server: everything sent before it has been routed when it returns. */
async function sync(c: TestClient): Promise<void> {
  const r = await c.iq(x('iq', NS_CLIENT, { type: 'get', to: 'localhost' }, x('ping', NS_PING)));
  assert.equal(r.attrs.type, 'result');
}

function errorCondition(el: Element): string | undefined {
  return el
    .getChild('error', NS_CLIENT)
    ?.elements()
    .find((e) => e.ns === NS_STANZAS && e.name !== 'text')?.name;
}

async function bodies(c: TestClient, n: number): Promise<Element[]> {
  const out: Element[] = [];
  for (let i = 0; i < n; i++) out.push(await c.expect((el) => el.name === 'message'));
  return out;
}

for (const storage of ['sqlite', 'postgres'] as const) {
  describe(`mod_offline end to end [${storage}]`, () => {
    let server: TestServer;
    const login = async (user: string, resource = 'r'): Promise<TestClient> => {
      const c = await TestClient.connect(server.plainPort);
      await c.login(u(user), PW, { mechanism: 'PLAIN', starttls: false, resource });
      return c;
    };
    const command = (name: string, user: string) => {
      const cmd = server.node.modules.commands().find((c) => c.name === name);
      assert.ok(cmd, `command ${name}`);
      return cmd.run([u(user), 'localhost']);
    };
    const count = async (user: string) =>
      (await command('offline_count', user)).json as { count: number };

    before(async () => {
      server = await startTestServer({
        storage,
        toml: `[modules.mod_offline]\nmax_messages = ${MAX}\n[modules.mod_ping]\n`,
      });
      for (const name of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'gina']) {
        await server.register(u(name), PW);
      }
    });
    after(async () => {
      await server.stop();
    });

    test('messages to an offline user are stored and delivered in order with <delay/>', async () => {
      const alice = await login('alice');
      const before = Date.now();
      alice.send(chat(jid('bob'), 'one'));
      alice.send(chat(`${jid('bob')}/gone`, 'two', 'normal'));
      alice.send(chat(jid('bob'), 'three'));
      await sync(alice);
      assert.deepEqual(await count('bob'), { count: 3 });
      assert.equal(alice.pending().length, 0, 'no error comes back to the sender');

      const bob = await login('bob');
      assert.equal(bob.pending().length, 0, 'nothing before the initial presence');
      bob.send(x('presence', NS_CLIENT));
      const got = await bodies(bob, 3);
      assert.deepEqual(
        got.map((m) => m.getChildText('body', NS_CLIENT)),
        ['one', 'two', 'three'],
      );
      for (const m of got) {
        assert.equal(m.attrs.from, `${jid('alice')}/r`);
        const delay = m.getChild('delay', NS_DELAY);
        assert.ok(delay, 'XEP-0203 delay');
        assert.equal(delay.attrs.from, 'localhost');
        const stamp = Date.parse(delay.attrs.stamp ?? '');
        assert.ok(stamp >= before - 1000 && stamp <= Date.now(), `stamp ${delay.attrs.stamp}`);
        assert.match(delay.attrs.stamp ?? '', /Z$/);
      }
      assert.equal(got[1]!.attrs.type, 'normal');
      await sync(bob);
      assert.deepEqual(await count('bob'), { count: 0 }, 'deleted once written');
      bob.close();
      alice.close();

      // Delivered once: a new session gets nothing.
      const again = await login('bob', 'again');
      again.send(x('presence', NS_CLIENT));
      await sync(again);
      assert.equal(again.pending().filter((e) => e.name === 'message').length, 0, 'no redelivery');
      again.close();
    });

    test('beyond max_messages the sender gets service-unavailable, never a silent drop', async () => {
      const alice = await login('alice', 'cap');
      for (let i = 1; i <= MAX; i++) alice.send(chat(jid('carol'), `m${i}`));
      alice.send(
        x(
          'message',
          NS_CLIENT,
          { to: jid('carol'), type: 'chat', id: 'over' },
          x('body', NS_CLIENT, {}, 'too many'),
        ),
      );
      const err = await alice.expect((el) => el.name === 'message' && el.attrs.id === 'over');
      assert.equal(err.attrs.type, 'error');
      assert.equal(err.attrs.from, jid('carol'));
      assert.equal(errorCondition(err), 'service-unavailable');
      assert.deepEqual(await count('carol'), { count: MAX });

      const deleted = await command('delete_offline', 'carol');
      assert.deepEqual(deleted.json, { deleted: MAX });
      assert.deepEqual(await count('carol'), { count: 0 });
      // Room again.
      alice.send(chat(jid('carol'), 'fits'));
      await sync(alice);
      assert.deepEqual(await count('carol'), { count: 1 });
      alice.close();
    });

    test('headline, groupchat, error, no-store, chat states and bodiless messages are not stored', async () => {
      const alice = await login('alice', 'types');
      const to = jid('dave');
      alice.send(
        x(
          'message',
          NS_CLIENT,
          { to, type: 'headline', id: 'h' },
          x('body', NS_CLIENT, {}, 'news'),
        ),
      );
      alice.send(
        x(
          'message',
          NS_CLIENT,
          { to, type: 'groupchat', id: 'g' },
          x('body', NS_CLIENT, {}, 'room'),
        ),
      );
      alice.send(
        x('message', NS_CLIENT, { to, type: 'chat', id: 'cs' }, x('composing', NS_CHATSTATES)),
      );
      alice.send(
        x(
          'message',
          NS_CLIENT,
          { to, type: 'chat', id: 'nb' },
          x('received', 'urn:xmpp:receipts', { id: 'z' }),
        ),
      );
      alice.send(
        x(
          'message',
          NS_CLIENT,
          { to, type: 'chat', id: 'ns' },
          x('body', NS_CLIENT, {}, 'x'),
          x('no-store', NS_HINTS),
        ),
      );
      alice.send(x('message', NS_CLIENT, { to, type: 'chat', id: 'st' }, x('store', NS_HINTS)));
      await sync(alice);
      assert.deepEqual(await count('dave'), { count: 1 }, 'only the <store/> hinted one');
      const errors = new Map(
        alice
          .pending()
          .filter((e) => e.name === 'message')
          .map((e) => [e.attrs.id, e]),
      );
      // RFC 6121 §8.5.2.2.1: groupchat bounces; headline and chat states are dropped quietly.
      assert.deepEqual([...errors.keys()].sort(), ['g', 'nb', 'ns']);
      for (const e of errors.values()) assert.equal(errorCondition(e), 'service-unavailable');
      alice.close();
    });

    test('a resource with negative priority gets nothing until it raises its priority', async () => {
      const alice = await login('alice', 'neg');
      alice.send(chat(jid('erin'), 'later'));
      await sync(alice);
      const erin = await login('erin');
      erin.send(x('presence', NS_CLIENT, {}, x('priority', NS_CLIENT, {}, '-1')));
      await sync(erin);
      assert.equal(erin.pending().filter((e) => e.name === 'message').length, 0);
      assert.deepEqual(await count('erin'), { count: 1 });
      erin.send(x('presence', NS_CLIENT, {}, x('priority', NS_CLIENT, {}, '1')));
      const [m] = await bodies(erin, 1);
      assert.equal(m!.getChildText('body', NS_CLIENT), 'later');
      await sync(erin);
      assert.deepEqual(await count('erin'), { count: 0 });
      erin.close();
      alice.close();
    });

    test('removing the account deletes its offline messages', async () => {
      const alice = await login('alice', 'rm');
      alice.send(chat(jid('frank'), 'bye'));
      await sync(alice);
      assert.deepEqual(await count('frank'), { count: 1 });
      assert.equal(await server.node.admin.accounts.unregister(u('frank'), 'localhost'), true);
      assert.deepEqual(await count('frank'), { count: 0 });
      alice.close();
    });

    test('@xmpp/client receives stored messages with <delay/> after coming online', async () => {
      const alice = await login('alice', 'xjs');
      alice.send(chat(jid('gina'), 'hello from the past'));
      await sync(alice);
      const gina = await xmppJs({
        service: `xmpp://127.0.0.1:${server.port}`,
        username: u('gina'),
        password: PW,
        resource: 'lib',
      });
      try {
        const got = new Promise<{ body?: string; stamp?: string; from?: string }>((resolve) => {
          gina.on('stanza', (s) => {
            if (!s.is('message')) return;
            resolve({
              body: s.getChildText('body') ?? undefined,
              stamp: s.getChild('delay', NS_DELAY)?.attrs.stamp,
              from: s.getChild('delay', NS_DELAY)?.attrs.from,
            });
          });
        });
        await gina.send(xml('presence', {}));
        const m = await got;
        assert.equal(m.body, 'hello from the past');
        assert.equal(m.from, 'localhost');
        assert.ok(Number.isFinite(Date.parse(m.stamp ?? '')), `stamp ${m.stamp}`);
        // Deletion follows the write: a round trip behind it sees the queue empty.
        await gina.iqCaller.request(
          xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: NS_PING })),
        );
        assert.deepEqual(await count('gina'), { count: 0 });
      } finally {
        await stopXmppJs(gina);
        alice.close();
      }
    });
  });
}

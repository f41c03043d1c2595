import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type Element,
  NS_CLIENT,
  NS_ROSTER,
  NS_ROSTERVER,
  NS_STANZAS,
  NS_STREAM,
  x,
} from '../../src/xml/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';

const MAX = 3;

const rosterGet = (ver?: string) =>
  x('iq', NS_CLIENT, { type: 'get' }, x('query', NS_ROSTER, { ver }));
const rosterSet = (...items: Element[]) =>
  x('iq', NS_CLIENT, { type: 'set' }, x('query', NS_ROSTER, {}, ...items));
const item = (jid: string, attrs: Record<string, string> = {}, ...groups: string[]) =>
  x('item', NS_ROSTER, { jid, ...attrs }, ...groups.map((g) => x('group', NS_ROSTER, {}, g)));

const isPush = (el: Element) =>
  el.name === 'iq' && el.attrs.type === 'set' && el.getChild('query', NS_ROSTER) !== undefined;

function condition(reply: Element): string | undefined {
  assert.equal(reply.attrs.type, 'error', 'expected an error reply');
  return reply
    .getChild('error')
    ?.elements()
    .find((e) => e.ns === NS_STANZAS && e.name !== 'text')?.name;
}

describe('mod_roster end to end (RFC 6121 §2, XEP-0237)', () => {
  let server: TestServer;
  const clients: TestClient[] = [];

  async function login(user: string, resource: string): Promise<TestClient> {
    const c = await TestClient.connect(server.plainPort);
    clients.push(c);
    await c.login(user, 'pw', { mechanism: 'PLAIN', starttls: false, resource });
    return c;
  }

  before(async () => {
    server = await startTestServer({
      toml: `[modules.mod_roster]\nmax_roster_size = ${MAX}\n[modules.mod_presence]\n`,
    });
    for (const u of ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'other']) {
      await server.register(u, 'pw');
    }
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await server.stop();
  });

  test('offers the roster versioning stream feature after authentication', async () => {
    const c = await TestClient.connect(server.plainPort);
    clients.push(c);
    c.openStream();
    const features = await c.expectName('features', NS_STREAM);
    await c.authenticate(features, 'r1', 'pw', 'PLAIN');
    c.openStream();
    const after = await c.expectName('features', NS_STREAM);
    assert.ok(after.getChild('ver', NS_ROSTERVER), 'rosterver feature offered');
  });

  test('an empty roster, then add, update and remove an item with pushes', async () => {
    const c = await login('r2', 'a');
    const empty = await c.iq(rosterGet());
    assert.equal(empty.attrs.type, 'result');
    assert.equal(empty.getChild('query', NS_ROSTER)?.elements().length, 0);

    const added = await c.iq(rosterSet(item('Nurse@Example.com', { name: 'Nurse' }, 'Servants')));
    assert.equal(added.attrs.type, 'result');
    const push = await c.expect(isPush);
    const pushed = push.getChild('query', NS_ROSTER)?.getChild('item', NS_ROSTER);
    assert.equal(pushed?.attrs.jid, 'nurse@example.com');
    assert.equal(pushed?.attrs.name, 'Nurse');
    assert.equal(pushed?.attrs.subscription, 'none');
    assert.equal(pushed?.getChildText('group', NS_ROSTER), 'Servants');
    assert.equal(push.attrs.from, undefined, 'pushes come from the account itself');

    await c.iq(rosterSet(item('nurse@example.com', { name: 'Angelica' }, 'A', 'B')));
    const upd = (await c.expect(isPush)).getChild('query', NS_ROSTER)?.getChild('item', NS_ROSTER);
    assert.equal(upd?.attrs.name, 'Angelica');
    assert.deepEqual(
      upd?.getChildren('group', NS_ROSTER).map((g) => g.text()),
      ['A', 'B'],
    );

    const got = await c.iq(rosterGet());
    const items = got.getChild('query', NS_ROSTER)?.getChildren('item', NS_ROSTER) ?? [];
    assert.equal(items.length, 1);
    assert.equal(items[0]?.attrs.name, 'Angelica');

    const removed = await c.iq(rosterSet(item('nurse@example.com', { subscription: 'remove' })));
    assert.equal(removed.attrs.type, 'result');
    const rm = (await c.expect(isPush)).getChild('query', NS_ROSTER)?.getChild('item', NS_ROSTER);
    assert.equal(rm?.attrs.subscription, 'remove');
    assert.equal((await c.iq(rosterGet())).getChild('query', NS_ROSTER)?.elements().length, 0);
  });

  test('pushes go to every interested resource, not to one that never asked', async () => {
    const a = await login('r3', 'a');
    const b = await login('r3', 'b');
    const quiet = await login('r3', 'quiet');
    await a.iq(rosterGet());
    await b.iq(rosterGet());
    await a.iq(rosterSet(item('friend@example.com')));
    const [pa, pb] = await Promise.all([a.expect(isPush), b.expect(isPush)]);
    assert.equal(pa.attrs.to, 'r3@localhost/a');
    assert.equal(pb.attrs.to, 'r3@localhost/b');
    // A round trip on the quiet session proves nothing was queued for it before.
    await quiet.iq(x('iq', NS_CLIENT, { type: 'get' }, x('ping', 'urn:xmpp:ping')));
    assert.equal(quiet.pending().filter(isPush).length, 0);
  });

  test('roster versioning: same ver → empty result, old ver → full roster, pushes carry ver', async () => {
    const c = await login('r4', 'a');
    const first = await c.iq(rosterGet(''));
    const ver0 = first.getChild('query', NS_ROSTER)?.attrs.ver;
    assert.ok(ver0 !== undefined, 'a result to a versioned get has ver');
    await c.iq(rosterSet(item('v@example.com')));
    const ver1 = (await c.expect(isPush)).getChild('query', NS_ROSTER)?.attrs.ver;
    assert.ok(ver1 !== undefined && ver1 !== ver0, 'a push carries the new version');

    const same = await c.iq(rosterGet(ver1));
    assert.equal(same.attrs.type, 'result');
    assert.equal(same.elements().length, 0, 'up to date: empty result');

    const stale = await c.iq(rosterGet(ver0));
    const q = stale.getChild('query', NS_ROSTER);
    assert.equal(q?.attrs.ver, ver1);
    assert.deepEqual(
      q?.getChildren('item', NS_ROSTER).map((i) => i.attrs.jid),
      ['v@example.com'],
    );
  });

  test('the roster size limit refuses one item too many with not-allowed and a text', async () => {
    const c = await login('r5', 'a');
    for (let i = 0; i < MAX; i++) {
      assert.equal((await c.iq(rosterSet(item(`c${i}@example.com`)))).attrs.type, 'result');
    }
    const refused = await c.iq(rosterSet(item('onetoomany@example.com')));
    assert.equal(condition(refused), 'not-allowed');
    assert.match(refused.getChild('error')?.getChildText('text', NS_STANZAS) ?? '', /limit/);
    // Updating an existing item is still allowed.
    assert.equal(
      (await c.iq(rosterSet(item('c0@example.com', { name: 'x' })))).attrs.type,
      'result',
    );
  });

  test('RFC 6121 §2.3.3 errors: two items, empty group, duplicate group, unknown removal', async () => {
    const c = await login('r6', 'a');
    assert.equal(condition(await c.iq(rosterSet(item('a@x.com'), item('b@x.com')))), 'bad-request');
    assert.equal(condition(await c.iq(rosterSet(item('a@x.com', {}, '')))), 'not-acceptable');
    assert.equal(condition(await c.iq(rosterSet(item('a@x.com', {}, 'G', 'G')))), 'bad-request');
    assert.equal(
      condition(await c.iq(rosterSet(item('nobody@x.com', { subscription: 'remove' })))),
      'item-not-found',
    );
    // A subscription value other than remove is ignored (RFC 6121 §2.1.2.5).
    await c.iq(rosterSet(item('a@x.com', { subscription: 'both' })));
    const got = await c.iq(rosterGet());
    assert.equal(
      got.getChild('query', NS_ROSTER)?.getChild('item', NS_ROSTER)?.attrs.subscription,
      'none',
    );
  });

  test("another user's roster is forbidden", async () => {
    const c = await login('r7', 'a');
    const get = rosterGet();
    get.setAttr('to', 'other@localhost');
    assert.equal(condition(await c.iq(get)), 'forbidden');
    const set = rosterSet(item('a@x.com'));
    set.setAttr('to', 'other@localhost');
    assert.equal(condition(await c.iq(set)), 'forbidden');
  });
});

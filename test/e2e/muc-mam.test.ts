import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  NS_CLIENT,
  NS_DELAY,
  NS_DISCO_INFO,
  NS_MAM,
  NS_MUC_ADMIN,
  NS_MUC_USER,
  NS_SID,
  x,
} from '../../src/xml/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import type { TestClient } from '../support/xmpp-client.ts';
import { mamQuery, rsm } from './muc-mam-support.ts';
import {
  createRoom,
  errorCondition,
  expectSubject,
  groupchat,
  isBody,
  join,
  roomJid,
  user,
} from './muc-support.ts';

const bodies = (ms: { getChildText(n: string, ns: string): string | undefined }[]) =>
  ms.map((m) => m.getChildText('body', NS_CLIENT));

async function say(from: TestClient, echo: TestClient, room: string, ...texts: string[]) {
  for (const t of texts) {
    const seen = echo.expect((el) => isBody(el, t));
    from.send(groupchat(room, t));
    await seen;
  }
}

async function setAffiliation(c: TestClient, room: string, jid: string, affiliation: string) {
  const r = await c.iq(
    x(
      'iq',
      NS_CLIENT,
      { type: 'set', to: roomJid(room) },
      x('query', NS_MUC_ADMIN, {}, x('item', NS_MUC_ADMIN, { jid, affiliation })),
    ),
  );
  assert.equal(r.attrs.type, 'result');
}

describe('mod_muc room archives (XEP-0313 on the room JID)', () => {
  let server: TestServer;
  let owner: TestClient;
  let bob: TestClient;
  let eve: TestClient;
  before(async () => {
    server = await startTestServer();
    owner = await user(server, 'mamowner');
    bob = await user(server, 'mambob');
    eve = await user(server, 'mameve');
    await createRoom(owner, 'log', 'boss');
    await join(bob, 'log', 'bob');
    await expectSubject(bob, 'log');
    await say(bob, owner, 'log', 'b1', 'b2');
    await say(owner, bob, 'log', 'o3');
    await say(bob, owner, 'log', 'b4', 'b5');
  });
  after(async () => {
    for (const c of [owner, bob, eve]) c.close();
    await server.stop();
  });

  test('the room advertises MAM and stanza ids in disco#info', async () => {
    const r = await eve.iq(
      x('iq', NS_CLIENT, { type: 'get', to: roomJid('log') }, x('query', NS_DISCO_INFO)),
    );
    const features = r
      .getChild('query', NS_DISCO_INFO)
      ?.getChildren('feature', NS_DISCO_INFO)
      .map((f) => f.attrs.var);
    assert.ok(features?.includes(NS_MAM));
    assert.ok(features?.includes(NS_SID));
  });

  test('pages forward through the archive with after, complete on the last page', async () => {
    const p1 = await mamQuery(bob, roomJid('log'), { max: 2 });
    assert.equal(p1.iq.attrs.type, 'result');
    assert.deepEqual(bodies(p1.messages), ['b1', 'b2']);
    assert.equal(p1.fin?.attrs.complete, undefined);
    assert.deepEqual(rsm(p1.fin), { first: p1.ids[0], last: p1.ids[1], count: '5' });
    // §4.2: from the archive (the room), the original as reflected, with when it was archived.
    const r0 = p1.results[0]!;
    assert.equal(r0.attrs.from, roomJid('log'));
    assert.equal(p1.messages[0]?.attrs.from, `${roomJid('log')}/bob`);
    assert.equal(p1.messages[0]?.attrs.type, 'groupchat');
    assert.equal(p1.messages[0]?.getChild('stanza-id', NS_SID)?.attrs.id, p1.ids[0]);
    assert.ok(r0.getChild('result', NS_MAM)?.getChild('forwarded')?.getChild('delay', NS_DELAY));
    const p2 = await mamQuery(bob, roomJid('log'), { max: 2, after: p1.ids[1] });
    assert.deepEqual(bodies(p2.messages), ['o3', 'b4']);
    const p3 = await mamQuery(bob, roomJid('log'), { max: 2, after: p2.ids[1] });
    assert.deepEqual(bodies(p3.messages), ['b5']);
    assert.equal(p3.fin?.attrs.complete, 'true');
  });

  test('pages backward from the end with before', async () => {
    const last = await mamQuery(bob, roomJid('log'), { max: 2, before: '' });
    assert.deepEqual(bodies(last.messages), ['b4', 'b5']);
    const prev = await mamQuery(bob, roomJid('log'), { max: 10, before: last.ids[0] });
    assert.deepEqual(bodies(prev.messages), ['b1', 'b2', 'o3']);
    assert.equal(prev.fin?.attrs.complete, 'true');
  });

  test('an unknown RSM id is item-not-found', async () => {
    const r = await mamQuery(bob, roomJid('log'), { after: 'no-such-id' });
    assert.equal(r.iq.attrs.type, 'error');
    assert.equal(errorCondition(r.iq), 'item-not-found');
  });

  test('with an occupant JID selects that nickname; start and end bound by time', async () => {
    const byBoss = await mamQuery(eve, roomJid('log'), { with: `${roomJid('log')}/boss` });
    assert.deepEqual(bodies(byBoss.messages), ['o3']);
    const future = await mamQuery(eve, roomJid('log'), { start: '2999-01-01T00:00:00Z' });
    assert.deepEqual(future.messages, []);
    assert.equal(future.fin?.attrs.complete, 'true');
    const past = await mamQuery(eve, roomJid('log'), { end: '2000-01-01T00:00:00Z' });
    assert.deepEqual(past.messages, []);
    const all = await mamQuery(eve, roomJid('log'), { start: '2000-01-01T00:00:00Z' });
    assert.equal(all.messages.length, 5);
  });

  test('in a semi-anonymous room only moderators see real JIDs and filter by them', async () => {
    const asEve = await mamQuery(eve, roomJid('log'), { max: 1 });
    assert.equal(asEve.messages[0]?.getChild('x', NS_MUC_USER), undefined);
    const asOwner = await mamQuery(owner, roomJid('log'), { max: 1 });
    assert.equal(
      asOwner.messages[0]?.getChild('x', NS_MUC_USER)?.getChild('item', NS_MUC_USER)?.attrs.jid,
      'mambob@localhost',
    );
    const probe = await mamQuery(eve, roomJid('log'), { with: 'mambob@localhost' });
    assert.equal(errorCondition(probe.iq), 'forbidden');
    const byJid = await mamQuery(owner, roomJid('log'), { with: 'mamowner@localhost' });
    assert.deepEqual(bodies(byJid.messages), ['o3']);
  });

  test('in a non-anonymous room everyone sees real JIDs', async () => {
    await createRoom(owner, 'open', 'boss', { whois: 'anyone' });
    await say(owner, owner, 'open', 'visible');
    const r = await mamQuery(eve, roomJid('open'));
    assert.equal(
      r.messages[0]?.getChild('x', NS_MUC_USER)?.getChild('item', NS_MUC_USER)?.attrs.jid,
      'mamowner@localhost',
    );
  });

  test('a members-only room’s archive is for its members; an outcast reads no archive', async () => {
    await createRoom(owner, 'club', 'boss', { membersonly: '1' });
    await say(owner, owner, 'club', 'secret');
    const outsider = await mamQuery(eve, roomJid('club'));
    assert.equal(outsider.iq.attrs.type, 'error');
    assert.equal(errorCondition(outsider.iq), 'forbidden');
    assert.deepEqual(outsider.messages, []);
    await setAffiliation(owner, 'club', 'mameve@localhost', 'member');
    const member = await mamQuery(eve, roomJid('club'));
    assert.deepEqual(bodies(member.messages), ['secret']);
    await setAffiliation(owner, 'log', 'mameve@localhost', 'outcast');
    const banned = await mamQuery(eve, roomJid('log'));
    assert.equal(errorCondition(banned.iq), 'forbidden');
  });

  test('history on join comes from the archive, with stanza ids, bounded by since', async () => {
    const carol = await user(server, 'mamcarol');
    try {
      await join(carol, 'log', 'carol', { history: { maxstanzas: '2' } });
      const h1 = await carol.expect((el) => isBody(el, 'b4'));
      await carol.expect((el) => isBody(el, 'b5'));
      assert.ok(h1.getChild('stanza-id', NS_SID)?.attrs.id);
      assert.equal(h1.getChild('delay', NS_DELAY)?.attrs.from, roomJid('log'));
      await expectSubject(carol, 'log');
      assert.ok(!carol.pending().some((el) => isBody(el, 'o3')));
      carol.send(x('presence', NS_CLIENT, { to: `${roomJid('log')}/carol`, type: 'unavailable' }));
      await carol.expect((el) => el.name === 'presence' && el.attrs.type === 'unavailable');
      await join(carol, 'log', 'carol', { history: { since: '2999-01-01T00:00:00Z' } });
      await expectSubject(carol, 'log');
      assert.ok(!carol.pending().some((el) => el.getChild('body', NS_CLIENT)));
    } finally {
      carol.close();
    }
  });
});

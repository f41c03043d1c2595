import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  NS_CLIENT,
  NS_DELAY,
  NS_DISCO_INFO,
  NS_DISCO_ITEMS,
  NS_MUC_USER,
  x,
} from '../../src/xml/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import {
  createRoom,
  errorCondition,
  expectSubject,
  groupchat,
  isBody,
  join,
  mucItem,
  roomJid,
  SERVICE,
  statusCodes,
  user,
} from './muc-support.ts';

describe('mod_muc: rooms, occupants and messages (XEP-0045)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.stop();
  });

  test('a new room is locked until its owner configures it, then others join', async () => {
    const owner = await user(server, 'lock-owner');
    const guest = await user(server, 'lock-guest');
    const self = await join(owner, 'locked', 'boss');
    assert.deepEqual(statusCodes(self), ['110', '201']);
    assert.equal(mucItem(self)?.attrs.affiliation, 'owner');
    assert.equal(mucItem(self)?.attrs.role, 'moderator');
    await expectSubject(owner, 'locked');
    // §10.1.1: nobody else enters a locked room.
    const refused = await join(guest, 'locked', 'guest');
    assert.equal(refused.attrs.type, 'error');
    assert.equal(errorCondition(refused), 'item-not-found');
    const r = await owner.iq(
      x(
        'iq',
        NS_CLIENT,
        { type: 'set', to: roomJid('locked') },
        x(
          'query',
          'http://jabber.org/protocol/muc#owner',
          {},
          x('x', 'jabber:x:data', { type: 'submit' }),
        ),
      ),
    );
    assert.equal(r.attrs.type, 'result');
    // The guest first gets the owner's presence, then its own (§7.2.3).
    const ownerPresence = guest.expect(
      (el) => el.name === 'presence' && el.attrs.from === `${roomJid('locked')}/boss`,
    );
    const joined = await join(guest, 'locked', 'guest');
    assert.deepEqual(statusCodes(joined), ['110']);
    assert.equal(mucItem(joined)?.attrs.role, 'participant');
    assert.equal(mucItem(await ownerPresence)?.attrs.affiliation, 'owner');
    // Semi-anonymous by default: the participant does not see the owner's real JID...
    assert.equal(mucItem(await ownerPresence)?.attrs.jid, undefined);
    // ...the moderator sees the participant's.
    const seen = await owner.expect(
      (el) => el.name === 'presence' && el.attrs.from === `${roomJid('locked')}/guest`,
    );
    assert.equal(mucItem(seen)?.attrs.jid, 'lock-guest@localhost/r');
    const subject = await expectSubject(guest, 'locked');
    assert.equal(subject.getChildText('subject', NS_CLIENT), '');
    owner.close();
    guest.close();
  });

  test('groupchat messages reach every occupant, history is replayed on join', async () => {
    const a = await user(server, 'gc-a');
    const b = await user(server, 'gc-b');
    const c = await user(server, 'gc-c');
    await createRoom(a, 'talk', 'alice');
    await join(b, 'talk', 'bob');
    await expectSubject(b, 'talk');
    b.send(groupchat('talk', 'one'));
    for (const cl of [a, b]) {
      const m = await cl.expect((el) => isBody(el, 'one'));
      assert.equal(m.attrs.from, `${roomJid('talk')}/bob`);
      assert.equal(m.attrs.type, 'groupchat');
    }
    a.send(groupchat('talk', 'two'));
    await b.expect((el) => isBody(el, 'two'));
    await a.expect((el) => isBody(el, 'two'));
    // §7.2.14: history after the presences, before the subject, with <delay/>.
    await join(c, 'talk', 'carol');
    const h1 = await c.expect((el) => isBody(el, 'one'));
    const h2 = await c.expect((el) => isBody(el, 'two'));
    assert.equal(h1.getChild('delay', NS_DELAY)?.attrs.from, roomJid('talk'));
    assert.ok(h2.getChild('delay', NS_DELAY)?.attrs.stamp);
    await expectSubject(c, 'talk');
    // maxstanzas limits what a joining client gets.
    const d = await user(server, 'gc-d');
    await join(d, 'talk', 'dave', { history: { maxstanzas: '1' } });
    await d.expect((el) => isBody(el, 'two'));
    await expectSubject(d, 'talk');
    assert.ok(!d.pending().some((el) => isBody(el, 'one')));
    for (const cl of [a, b, c, d]) cl.close();
  });

  test('a taken nickname is a conflict; a non-occupant cannot send groupchat', async () => {
    const a = await user(server, 'nick-a');
    const b = await user(server, 'nick-b');
    await createRoom(a, 'nicks', 'same');
    const r = await join(b, 'nicks', 'same');
    assert.equal(r.attrs.type, 'error');
    assert.equal(errorCondition(r), 'conflict');
    b.send(groupchat('nicks', 'intruder'));
    const err = await b.expect((el) => el.name === 'message' && el.attrs.type === 'error');
    assert.equal(errorCondition(err), 'not-acceptable');
    a.close();
    b.close();
  });

  test('private messages, nickname change (303) and leaving', async () => {
    const a = await user(server, 'pm-a');
    const b = await user(server, 'pm-b');
    await createRoom(a, 'pm', 'alice');
    await join(b, 'pm', 'bob');
    a.send(
      x(
        'message',
        NS_CLIENT,
        { to: `${roomJid('pm')}/bob`, type: 'chat' },
        x('body', NS_CLIENT, {}, 'psst'),
      ),
    );
    const pm = await b.expect((el) => isBody(el, 'psst'));
    assert.equal(pm.attrs.from, `${roomJid('pm')}/alice`);
    assert.ok(pm.getChild('x', NS_MUC_USER));
    // §7.6: unavailable with 303 and the new nick, then available under the new nick.
    b.send(x('presence', NS_CLIENT, { to: `${roomJid('pm')}/robert` }));
    const gone = await a.expect(
      (el) => el.attrs.from === `${roomJid('pm')}/bob` && el.attrs.type === 'unavailable',
    );
    assert.deepEqual(statusCodes(gone), ['303']);
    assert.equal(mucItem(gone)?.attrs.nick, 'robert');
    await a.expect((el) => el.name === 'presence' && el.attrs.from === `${roomJid('pm')}/robert`);
    // §7.14: leaving; the leaver gets its own unavailable with 110.
    b.send(x('presence', NS_CLIENT, { to: `${roomJid('pm')}/robert`, type: 'unavailable' }));
    const own = await b.expect(
      (el) => el.attrs.from === `${roomJid('pm')}/robert` && el.attrs.type === 'unavailable',
    );
    assert.deepEqual(statusCodes(own), ['110']);
    await a.expect(
      (el) => el.attrs.from === `${roomJid('pm')}/robert` && el.attrs.type === 'unavailable',
    );
    a.close();
    b.close();
  });

  test('disco: the server lists the service, the service lists public rooms', async () => {
    const a = await user(server, 'disco-a');
    const items = await a.iq(
      x('iq', NS_CLIENT, { type: 'get', to: 'localhost' }, x('query', NS_DISCO_ITEMS)),
    );
    assert.ok(
      items
        .getChild('query', NS_DISCO_ITEMS)
        ?.getChildren('item')
        .some((i) => i.attrs.jid === SERVICE),
    );
    const info = await a.iq(
      x('iq', NS_CLIENT, { type: 'get', to: SERVICE }, x('query', NS_DISCO_INFO)),
    );
    const q = info.getChild('query', NS_DISCO_INFO)!;
    assert.equal(q.getChild('identity')?.attrs.category, 'conference');
    assert.ok(
      q.getChildren('feature').some((f) => f.attrs.var === 'http://jabber.org/protocol/muc'),
    );
    await createRoom(a, 'listed', 'me', { roomname: 'Listed room' });
    const rooms = await a.iq(
      x('iq', NS_CLIENT, { type: 'get', to: SERVICE }, x('query', NS_DISCO_ITEMS)),
    );
    const item = rooms
      .getChild('query', NS_DISCO_ITEMS)
      ?.getChildren('item')
      .find((i) => i.attrs.jid === roomJid('listed'));
    assert.equal(item?.attrs.name, 'Listed room');
    const roomInfo = await a.iq(
      x('iq', NS_CLIENT, { type: 'get', to: roomJid('listed') }, x('query', NS_DISCO_INFO)),
    );
    const features = roomInfo
      .getChild('query', NS_DISCO_INFO)!
      .getChildren('feature')
      .map((f) => f.attrs.var);
    for (const f of [
      'muc_public',
      'muc_temporary',
      'muc_open',
      'muc_semianonymous',
      'muc_unsecured',
    ]) {
      assert.ok(features.includes(f), f);
    }
    a.close();
  });
});

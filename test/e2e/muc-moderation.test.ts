import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { NS_CLIENT, NS_MUC_ADMIN, NS_MUC_OWNER, NS_MUC_USER, x } from '../../src/xml/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import type { TestClient } from '../support/xmpp-client.ts';
import {
  configure,
  createRoom,
  errorCondition,
  expectSubject,
  groupchat,
  join,
  mucItem,
  roomJid,
  statusCodes,
  user,
} from './muc-support.ts';

function admin(c: TestClient, room: string, type: 'get' | 'set', item: Record<string, string>) {
  return c.iq(
    x(
      'iq',
      NS_CLIENT,
      { type, to: roomJid(room) },
      x('query', NS_MUC_ADMIN, {}, x('item', NS_MUC_ADMIN, item)),
    ),
  );
}

function unavailableFrom(c: TestClient, occupant: string) {
  return c.expect((el) => el.attrs.from === occupant && el.attrs.type === 'unavailable');
}

describe('mod_muc: moderation, access control and room life (XEP-0045)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.stop();
  });

  test('a moderator kicks (307); a participant may not', async () => {
    const o = await user(server, 'kick-o');
    const v = await user(server, 'kick-v');
    await createRoom(o, 'kick', 'boss');
    await join(v, 'kick', 'victim');
    const denied = await admin(v, 'kick', 'set', { nick: 'boss', role: 'none' });
    assert.equal(errorCondition(denied), 'forbidden');
    const r = await o.iq(
      x(
        'iq',
        NS_CLIENT,
        { type: 'set', to: roomJid('kick') },
        x(
          'query',
          NS_MUC_ADMIN,
          {},
          x(
            'item',
            NS_MUC_ADMIN,
            { nick: 'victim', role: 'none' },
            x('reason', NS_MUC_ADMIN, {}, 'spam'),
          ),
        ),
      ),
    );
    assert.equal(r.attrs.type, 'result');
    const own = await unavailableFrom(v, `${roomJid('kick')}/victim`);
    assert.deepEqual(statusCodes(own), ['110', '307']);
    const seen = await unavailableFrom(o, `${roomJid('kick')}/victim`);
    assert.deepEqual(statusCodes(seen), ['307']);
    assert.equal(mucItem(seen)?.getChild('actor', NS_MUC_USER)?.attrs.nick, 'boss');
    assert.equal(mucItem(own)?.getChildText('reason', NS_MUC_USER), 'spam');
    v.send(groupchat('kick', 'still here?'));
    const err = await v.expect((el) => el.name === 'message' && el.attrs.type === 'error');
    assert.equal(errorCondition(err), 'not-acceptable');
    o.close();
    v.close();
  });

  test('an admin bans (301) and the outcast cannot come back; the ban list shows it', async () => {
    const o = await user(server, 'ban-o');
    const b = await user(server, 'ban-b');
    await createRoom(o, 'ban', 'boss');
    await join(b, 'ban', 'bad');
    const r = await admin(o, 'ban', 'set', { jid: 'ban-b@localhost', affiliation: 'outcast' });
    assert.equal(r.attrs.type, 'result');
    const own = await unavailableFrom(b, `${roomJid('ban')}/bad`);
    assert.deepEqual(statusCodes(own), ['110', '301']);
    assert.equal(mucItem(own)?.attrs.affiliation, 'outcast');
    const again = await join(b, 'ban', 'bad');
    assert.equal(errorCondition(again), 'forbidden');
    const list = await admin(o, 'ban', 'get', { affiliation: 'outcast' });
    const items = list.getChild('query', NS_MUC_ADMIN)?.getChildren('item', NS_MUC_ADMIN) ?? [];
    assert.deepEqual(
      items.map((i) => i.attrs.jid),
      ['ban-b@localhost'],
    );
    // The room keeps its last owner (§10.7).
    const selfDemote = await admin(o, 'ban', 'set', {
      jid: 'ban-o@localhost',
      affiliation: 'none',
    });
    assert.equal(errorCondition(selfDemote), 'conflict');
    o.close();
    b.close();
  });

  test('password-protected room: not-authorized without the password', async () => {
    const o = await user(server, 'pw-o');
    const g = await user(server, 'pw-g');
    await createRoom(o, 'secret', 'boss', { passwordprotectedroom: '1', roomsecret: 'sesame' });
    assert.equal(errorCondition(await join(g, 'secret', 'guest')), 'not-authorized');
    assert.equal(
      errorCondition(await join(g, 'secret', 'guest', { password: 'wrong' })),
      'not-authorized',
    );
    const ok = await join(g, 'secret', 'guest', { password: 'sesame' });
    assert.equal(ok.attrs.type, undefined);
    o.close();
    g.close();
  });

  test('members-only room: registration-required until the owner adds a member', async () => {
    const o = await user(server, 'mo-o');
    const g = await user(server, 'mo-g');
    await createRoom(o, 'club', 'boss', { membersonly: '1' });
    assert.equal(errorCondition(await join(g, 'club', 'guest')), 'registration-required');
    const r = await admin(o, 'club', 'set', { jid: 'mo-g@localhost', affiliation: 'member' });
    assert.equal(r.attrs.type, 'result');
    const ok = await join(g, 'club', 'guest');
    assert.equal(mucItem(ok)?.attrs.affiliation, 'member');
    o.close();
    g.close();
  });

  test('max users: service-unavailable when the room is full', async () => {
    const o = await user(server, 'full-o');
    const g = await user(server, 'full-g');
    await createRoom(o, 'full', 'boss', { maxusers: '1' });
    assert.equal(errorCondition(await join(g, 'full', 'guest')), 'service-unavailable');
    o.close();
    g.close();
  });

  test('subject: set by a participant, refused when the room forbids it', async () => {
    const o = await user(server, 'subj-o');
    const p = await user(server, 'subj-p');
    await createRoom(o, 'subj', 'boss');
    await join(p, 'subj', 'part');
    await expectSubject(p, 'subj');
    p.send(
      x(
        'message',
        NS_CLIENT,
        { to: roomJid('subj'), type: 'groupchat' },
        x('subject', NS_CLIENT, {}, 'News'),
      ),
    );
    const s = await o.expect((el) => el.getChildText('subject', NS_CLIENT) === 'News');
    assert.equal(s.attrs.from, `${roomJid('subj')}/part`);
    assert.equal((await configure(o, 'subj', { changesubject: '0' })).attrs.type, 'result');
    const changed = await p.expect((el) => statusCodes(el).includes('104'));
    assert.equal(changed.name, 'message');
    p.send(
      x(
        'message',
        NS_CLIENT,
        { to: roomJid('subj'), type: 'groupchat' },
        x('subject', NS_CLIENT, {}, 'Nope'),
      ),
    );
    const err = await p.expect((el) => el.name === 'message' && el.attrs.type === 'error');
    assert.equal(errorCondition(err), 'forbidden');
    // A later joiner gets the current subject from who set it.
    const l = await user(server, 'subj-l');
    await join(l, 'subj', 'late');
    const current = await expectSubject(l, 'subj');
    assert.equal(current.getChildText('subject', NS_CLIENT), 'News');
    for (const c of [o, p, l]) c.close();
  });

  test('only owners read the configuration form', async () => {
    const o = await user(server, 'cfg-o');
    const p = await user(server, 'cfg-p');
    await createRoom(o, 'cfg', 'boss');
    await join(p, 'cfg', 'part');
    const get = (c: TestClient) =>
      c.iq(x('iq', NS_CLIENT, { type: 'get', to: roomJid('cfg') }, x('query', NS_MUC_OWNER)));
    assert.equal(errorCondition(await get(p)), 'forbidden');
    const form = (await get(o)).getChild('query', NS_MUC_OWNER)?.getChild('x', 'jabber:x:data');
    const vars = form?.getChildren('field', 'jabber:x:data').map((f) => f.attrs.var);
    assert.ok(vars?.includes('muc#roomconfig_roomsecret'));
    assert.ok(vars?.includes('muc#roomconfig_whois'));
    o.close();
    p.close();
  });

  test('an occupant whose session ends leaves the room; an empty temporary room disappears', async () => {
    const o = await user(server, 'end-o');
    const p = await user(server, 'end-p');
    await createRoom(o, 'ending', 'boss');
    await join(p, 'ending', 'part');
    p.close();
    const gone = await unavailableFrom(o, `${roomJid('ending')}/part`);
    assert.equal(mucItem(gone)?.attrs.role, 'none');
    o.send(x('presence', NS_CLIENT, { to: `${roomJid('ending')}/boss`, type: 'unavailable' }));
    await unavailableFrom(o, `${roomJid('ending')}/boss`);
    const info = await o.iq(
      x(
        'iq',
        NS_CLIENT,
        { type: 'get', to: roomJid('ending') },
        x('query', 'http://jabber.org/protocol/disco#info'),
      ),
    );
    assert.equal(errorCondition(info), 'item-not-found');
    o.close();
  });

  test('the owner destroys a room: occupants get unavailable with <destroy/>', async () => {
    const o = await user(server, 'des-o');
    const p = await user(server, 'des-p');
    await createRoom(o, 'doomed', 'boss');
    await join(p, 'doomed', 'part');
    const r = await o.iq(
      x(
        'iq',
        NS_CLIENT,
        { type: 'set', to: roomJid('doomed') },
        x(
          'query',
          NS_MUC_OWNER,
          {},
          x('destroy', NS_MUC_OWNER, {}, x('reason', NS_MUC_OWNER, {}, 'bye')),
        ),
      ),
    );
    assert.equal(r.attrs.type, 'result');
    const out = await unavailableFrom(p, `${roomJid('doomed')}/part`);
    const d = out.getChild('x', NS_MUC_USER)?.getChild('destroy', NS_MUC_USER);
    assert.equal(d?.getChildText('reason', NS_MUC_USER), 'bye');
    o.close();
    p.close();
  });

  test('a moderator revokes and grants voice in a moderated room', async () => {
    const o = await user(server, 'voice-o');
    const p = await user(server, 'voice-p');
    await createRoom(o, 'voice', 'boss');
    await join(p, 'voice', 'part');
    await expectSubject(p, 'voice');
    assert.equal(
      (await admin(o, 'voice', 'set', { nick: 'part', role: 'visitor' })).attrs.type,
      'result',
    );
    const demoted = await p.expect(
      (el) =>
        el.name === 'presence' &&
        el.attrs.from === `${roomJid('voice')}/part` &&
        mucItem(el)?.attrs.role === 'visitor',
    );
    assert.ok(statusCodes(demoted).includes('110'));
    p.send(groupchat('voice', 'can I speak?'));
    const err = await p.expect((el) => el.name === 'message' && el.attrs.type === 'error');
    assert.equal(errorCondition(err), 'forbidden');
    await admin(o, 'voice', 'set', { nick: 'part', role: 'participant' });
    p.send(groupchat('voice', 'now I can'));
    await o.expect((el) => el.getChildText('body', NS_CLIENT) === 'now I can');
    o.close();
    p.close();
  });
});

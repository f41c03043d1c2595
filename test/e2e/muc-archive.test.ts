import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { NS_CLIENT, NS_SID, x } from '../../src/xml/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import type { TestClient } from '../support/xmpp-client.ts';
import { createRoom, expectSubject, isBody, join, roomJid, user } from './muc-support.ts';

function stanzaIds(el: {
  getChildren(n: string, ns: string): { attrs: Record<string, string> }[];
}) {
  return el.getChildren('stanza-id', NS_SID).map((s) => ({ by: s.attrs.by, id: s.attrs.id }));
}

describe('mod_muc stanza ids and archive', () => {
  let server: TestServer;
  let alice: TestClient;
  let bob: TestClient;
  before(async () => {
    server = await startTestServer();
    alice = await user(server, 'arcalice');
    bob = await user(server, 'arcbob');
    await createRoom(alice, 'arc', 'alice');
    await join(bob, 'arc', 'bob');
    await expectSubject(bob, 'arc');
  });
  after(async () => {
    alice.close();
    bob.close();
    await server.stop();
  });

  test('every occupant gets the reflected message with one room stanza-id; a forged one is dropped', async () => {
    const room = roomJid('arc');
    const toA = alice.expect((el) => isBody(el, 'with id'));
    const toB = bob.expect((el) => isBody(el, 'with id'));
    bob.send(
      x(
        'message',
        NS_CLIENT,
        { to: room, type: 'groupchat', id: 'b1' },
        x('body', NS_CLIENT, {}, 'with id'),
        x('stanza-id', NS_SID, { by: room, id: 'forged' }),
        x('stanza-id', NS_SID, { by: 'elsewhere@x.test', id: 'theirs' }),
      ),
    );
    const [a, b] = [await toA, await toB];
    const ours = stanzaIds(a).filter((s) => s.by === room);
    assert.equal(ours.length, 1);
    assert.notEqual(ours[0]?.id, 'forged');
    assert.ok((ours[0]?.id ?? '').length >= 16);
    assert.deepEqual(stanzaIds(b), stanzaIds(a));
    assert.ok(stanzaIds(a).some((s) => s.id === 'theirs'));
    assert.equal(b.attrs.id, 'b1');
  });

  test('two messages get different stanza-ids; a bare chat state gets none', async () => {
    const room = roomJid('arc');
    const first = bob.expect((el) => isBody(el, 'one'));
    alice.send(
      x('message', NS_CLIENT, { to: room, type: 'groupchat' }, x('body', NS_CLIENT, {}, 'one')),
    );
    const id1 = stanzaIds(await first)[0]?.id;
    const state = bob.expect(
      (el) =>
        el.name === 'message' &&
        el.getChild('composing', 'http://jabber.org/protocol/chatstates') !== undefined,
    );
    alice.send(
      x(
        'message',
        NS_CLIENT,
        { to: room, type: 'groupchat' },
        x('composing', 'http://jabber.org/protocol/chatstates'),
      ),
    );
    assert.deepEqual(stanzaIds(await state), []);
    const second = bob.expect((el) => isBody(el, 'two'));
    alice.send(
      x('message', NS_CLIENT, { to: room, type: 'groupchat' }, x('body', NS_CLIENT, {}, 'two')),
    );
    const id2 = stanzaIds(await second)[0]?.id;
    assert.ok(id1 && id2 && id1 !== id2);
  });
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { createNode } from '../../src/node.ts';
import { silentLogger } from '../../src/observability/logger.ts';
import { NS_CLIENT, NS_DISCO_INFO, NS_MUC_OWNER, x } from '../../src/xml/index.ts';
import { startTestServer } from '../support/test-server.ts';
import {
  createRoom,
  errorCondition,
  expectSubject,
  join,
  login,
  mucItem,
  roomJid,
  user,
} from './muc-support.ts';

for (const storage of ['sqlite', 'postgres'] as const) {
  describe(`mod_muc persistent rooms [${storage}]`, () => {
    test('a persistent room keeps its configuration, affiliations and subject across a restart', async () => {
      const server = await startTestServer({ storage });
      const tag = randomBytes(4).toString('hex');
      const room = `keep-${tag}`;
      const owner = `po-${tag}`;
      const member = `pm-${tag}`;
      let node2: Awaited<ReturnType<typeof createNode>> | undefined;
      try {
        const o = await user(server, owner);
        await server.register(member, 'secret');
        await createRoom(o, room, 'boss', {
          persistentroom: '1',
          membersonly: '1',
          roomname: 'Kept room',
        });
        const r = await o.iq(
          x(
            'iq',
            NS_CLIENT,
            { type: 'set', to: roomJid(room) },
            x(
              'query',
              'http://jabber.org/protocol/muc#admin',
              {},
              x('item', 'http://jabber.org/protocol/muc#admin', {
                jid: `${member}@localhost`,
                affiliation: 'member',
              }),
            ),
          ),
        );
        assert.equal(r.attrs.type, 'result');
        o.send(
          x(
            'message',
            NS_CLIENT,
            { to: roomJid(room), type: 'groupchat' },
            x('subject', NS_CLIENT, {}, 'Kept subject'),
          ),
        );
        await o.expect((el) => el.getChildText('subject', NS_CLIENT) === 'Kept subject');
        o.close();
        await server.node.stop();

        node2 = await createNode(server.config, silentLogger());
        await node2.start();
        const port = node2.c2sPorts()[2]!;
        const m = await login(port, member);
        const info = await m.iq(
          x('iq', NS_CLIENT, { type: 'get', to: roomJid(room) }, x('query', NS_DISCO_INFO)),
        );
        const q = info.getChild('query', NS_DISCO_INFO);
        assert.equal(q?.getChild('identity')?.attrs.name, 'Kept room');
        const features = q?.getChildren('feature').map((f) => f.attrs.var) ?? [];
        assert.ok(features.includes('muc_persistent'));
        assert.ok(features.includes('muc_membersonly'));
        const joined = await join(m, room, 'member');
        assert.equal(mucItem(joined)?.attrs.affiliation, 'member');
        const subject = await expectSubject(m, room);
        assert.equal(subject.getChildText('subject', NS_CLIENT), 'Kept subject');
        const o2 = await login(port, owner);
        const back = await join(o2, room, 'boss');
        assert.equal(mucItem(back)?.attrs.affiliation, 'owner');
        // Destroying removes it from storage too.
        const d = await o2.iq(
          x(
            'iq',
            NS_CLIENT,
            { type: 'set', to: roomJid(room) },
            x('query', NS_MUC_OWNER, {}, x('destroy', NS_MUC_OWNER)),
          ),
        );
        assert.equal(d.attrs.type, 'result');
        const gone = await m.iq(
          x('iq', NS_CLIENT, { type: 'get', to: roomJid(room) }, x('query', NS_DISCO_INFO)),
        );
        assert.equal(errorCondition(gone), 'item-not-found');
        m.close();
        o2.close();
      } finally {
        await node2?.stop();
        await rm(server.dataDir, { recursive: true, force: true });
      }
    });
  });
}

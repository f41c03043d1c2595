import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Jid, parseJid } from '../../jid/index.ts';
import { silentLogger } from '../../observability/logger.ts';
import type { Router } from '../../router/index.ts';
import {
  type Element,
  NS_CLIENT,
  NS_DATA_FORMS,
  NS_MUC,
  NS_MUC_OWNER,
  x,
} from '../../xml/index.ts';
import type { MucArchiveStore } from './muc-archive-store.ts';
import type { MucStore } from './muc-store.ts';
import type { RoomConfig } from './room-config.ts';
import { MucService } from './service.ts';

const DEFAULTS: RoomConfig = {
  title: '',
  description: '',
  persistent: false,
  public: true,
  membersOnly: false,
  moderated: false,
  membersByDefault: true,
  passwordProtected: false,
  password: '',
  whois: 'moderators',
  maxUsers: 10,
  changeSubject: true,
  allowInvites: false,
  allowPm: 'anyone',
};

const noStore: MucStore = {
  listRooms: async () => [],
  getRoom: async () => null,
  saveRoom: async () => {},
  deleteRoom: async () => false,
  removeAffiliations: async () => 0,
};

const noArchive: MucArchiveStore = {
  append: async () => {},
  query: async () => undefined,
  get: async () => undefined,
  retract: async () => false,
  removeRoom: async () => 0,
};

test('a bounce routed back into a room while it sends does not wedge the room', {
  timeout: 10_000,
}, async () => {
  const delivered: Element[] = [];
  let svc!: MucService;
  const gone = 'gone@h/r';
  const router = {
    async route(el: Element, from: Jid, to: Jid) {
      delivered.push(el);
      // The router bounces a groupchat for a resource that no longer exists (RFC 6121 §8.5.3.2.1).
      if (to.toString() === gone && el.name === 'message' && el.attrs.type === 'groupchat') {
        const err = x('message', NS_CLIENT, {
          from: to.toString(),
          to: from.toString(),
          type: 'error',
        });
        // As the real router does: services are handed stanzas, not awaited.
        void svc.handle(err, to, from).catch(() => {});
      }
    },
  } as unknown as Router;
  svc = new MucService(
    'conference.h',
    'Chatrooms',
    {
      historySize: 5,
      maxUsers: 10,
      maxRooms: 10,
      maxRoomsPerUser: 5,
      maxUserConferences: 5,
      maxAffiliations: 10,
      pageDefault: 10,
      pageMax: 10,
    },
    DEFAULTS,
    { router, store: noStore, archive: noArchive, log: silentLogger() },
  );
  const send = (el: Element, from: string) =>
    svc.handle(el, parseJid(from), parseJid(el.attrs.to ?? ''));
  const joinEl = (nick: string) =>
    x('presence', NS_CLIENT, { to: `room@conference.h/${nick}` }, x('x', NS_MUC));
  await send(joinEl('owner'), 'owner@h/r');
  await send(
    x(
      'iq',
      NS_CLIENT,
      { type: 'set', id: 'c1', to: 'room@conference.h' },
      x('query', NS_MUC_OWNER, {}, x('x', NS_DATA_FORMS, { type: 'submit' })),
    ),
    'owner@h/r',
  );
  await send(joinEl('ghost'), gone);
  const body = (t: string) =>
    x(
      'message',
      NS_CLIENT,
      { to: 'room@conference.h', type: 'groupchat' },
      x('body', NS_CLIENT, {}, t),
    );
  await send(body('first'), 'owner@h/r');
  // The bounce removed the ghost (status 333) and the room still answers.
  await send(body('second'), 'owner@h/r');
  const toOwner = delivered.filter((el) => el.attrs.to === 'owner@h/r');
  assert.ok(toOwner.some((el) => el.getChildText('body', NS_CLIENT) === 'second'));
  assert.ok(
    toOwner.some(
      (el) => el.attrs.from === 'room@conference.h/ghost' && el.attrs.type === 'unavailable',
    ),
  );
  assert.ok(
    !delivered.some(
      (el) => el.attrs.to === gone && el.getChildText('body', NS_CLIENT) === 'second',
    ),
  );
});

import { s } from '../../config/index.ts';
import { MAM_MAX_PAGE } from '../mam/mam-store.ts';
import { defineModule, onHook } from '../module-api.ts';
import { createMucArchiveStore } from './muc-archive-store.sql.ts';
import { createMucStore } from './muc-store.sql.ts';
import type { RoomConfig } from './room-config.ts';
import { MucService } from './service.ts';

const defaultRoom = s.object(
  {
    public: s.bool({ doc: 'New rooms are listed in disco#items', default: true }),
    persistent: s.bool({ doc: 'New rooms outlive their last occupant', default: false }),
    members_only: s.bool({ doc: 'New rooms admit only members', default: false }),
    moderated: s.bool({ doc: 'Only participants with voice speak in new rooms', default: true }),
    members_by_default: s.bool({
      doc: 'Occupants entering a moderated room get voice (participant, not visitor)',
      default: true,
    }),
    anonymous: s.bool({
      doc: 'Real JIDs of occupants are shown only to moderators (semi-anonymous)',
      default: true,
    }),
    max_users: s.int({ doc: 'Occupants a new room admits', default: 200, min: 1, max: 100_000 }),
    allow_change_subj: s.bool({ doc: 'Participants may change the subject', default: true }),
    allow_user_invites: s.bool({
      doc: 'Occupants of members-only rooms may invite',
      default: false,
    }),
    allow_private_messages: s.bool({ doc: 'Occupants may send private messages', default: true }),
  },
  { doc: 'Configuration of new rooms (XEP-0045 §10.2)' },
);

const options = s.object(
  {
    host: s.string({
      doc: 'Domain of the MUC service; @HOST@ is replaced by each served host',
      default: 'conference.@HOST@',
      nonEmpty: true,
    }),
    service_name: s.string({ doc: 'Name of the service in disco#info', default: 'Chatrooms' }),
    history_size: s.int({
      doc: 'Most archived groupchat messages replayed to a joining occupant',
      default: 20,
      min: 0,
      max: 1000,
    }),
    max_users: s.int({
      doc: 'Highest occupant limit an owner may configure',
      default: 200,
      min: 1,
      max: 100_000,
    }),
    max_rooms: s.int({ doc: 'Rooms one service holds', default: 10_000, min: 1, max: 1_000_000 }),
    max_rooms_per_user: s.int({
      doc: 'Rooms one user may own (creation limit)',
      default: 10,
      min: 1,
      max: 100_000,
    }),
    max_user_conferences: s.int({
      doc: 'Rooms one session may be in at once',
      default: 100,
      min: 1,
      max: 100_000,
    }),
    max_affiliations: s.int({
      doc: 'Affiliations (owners, admins, members, outcasts) one room keeps',
      default: 1000,
      min: 1,
      max: 1_000_000,
    }),
    default_page_size: s.int({
      doc: 'Results per room archive query page when the client gives no RSM <max/>',
      default: 50,
      min: 1,
      max: MAM_MAX_PAGE,
    }),
    max_page_size: s.int({
      doc: 'Most results per room archive query page; a larger RSM <max/> is lowered to this',
      default: 250,
      min: 1,
      max: MAM_MAX_PAGE,
    }),
    default_room: defaultRoom,
  },
  { doc: 'Multi-User Chat (XEP-0045)' },
);

/** mod_muc: XEP-0045 group chat rooms at conference.<host>. */
export const modMuc = defineModule({
  id: 'mod_muc',
  summary: 'Multi-User Chat rooms at conference.<host> (XEP-0045)',
  xeps: [
    {
      xep: 45,
      version: '1.34.5',
      note: 'no room registration, voice requests or IQ forwarding to occupants; one node',
    },
    { xep: 410, version: '1.1.0', note: 'self-ping answered by the service' },
    { xep: 359, version: '0.7.0', note: 'stanza-id on archived groupchat messages' },
    { xep: 313, version: '1.1.1', note: 'room archives (MUC MAM), history on join from them' },
  ],
  options,
  async start(ctx) {
    const o = ctx.options;
    const store = await createMucStore(ctx.db);
    const archive = await createMucArchiveStore(ctx.db);
    const d = o.default_room;
    const defaults: RoomConfig = {
      title: '',
      description: '',
      persistent: d.persistent,
      public: d.public,
      membersOnly: d.members_only,
      moderated: d.moderated,
      membersByDefault: d.members_by_default,
      passwordProtected: false,
      password: '',
      whois: d.anonymous ? 'moderators' : 'anyone',
      maxUsers: Math.min(d.max_users, o.max_users),
      changeSubject: d.allow_change_subj,
      allowInvites: d.allow_user_invites,
      allowPm: d.allow_private_messages ? 'anyone' : 'none',
    };
    const limits = {
      historySize: o.history_size,
      maxUsers: o.max_users,
      maxRooms: o.max_rooms,
      maxRoomsPerUser: o.max_rooms_per_user,
      maxUserConferences: o.max_user_conferences,
      maxAffiliations: o.max_affiliations,
      pageDefault: o.default_page_size,
      pageMax: o.max_page_size,
    };
    const services = new Map<string, MucService>();
    const undo: (() => void)[] = [];
    for (const host of ctx.hosts) {
      const domain = o.host.replaceAll('@HOST@', host).toLowerCase();
      const svc = new MucService(domain, o.service_name, limits, defaults, {
        router: ctx.router,
        store,
        archive,
        log: ctx.log,
      });
      await svc.load();
      services.set(host, svc);
      undo.push(ctx.router.registerService(domain, svc.handle));
    }
    return {
      hooks: [
        // XEP-0045 §7.14: a session that ends leaves every room it was in.
        onHook('session-closed', async (acc, { session }) => {
          if (session.jid)
            for (const svc of services.values()) await svc.sessionClosed(session.jid);
          return acc;
        }),
        // XEP-0045 §6.1: clients find the service among the server's disco#items.
        onHook('disco-local-items', async (acc, { domain }) => {
          const svc = services.get(domain);
          return svc ? [...acc, { jid: svc.domain, name: o.service_name }] : acc;
        }),
        onHook('remove-user', async (acc, { user, domain }) => {
          for (const svc of services.values()) svc.forgetUser(`${user}@${domain}`);
          await store.removeAffiliations(`${user}@${domain}`);
          return acc;
        }),
      ],
      api: {
        services: () => [...services.values()].map((svc) => svc.domain),
      },
      async stop() {
        for (const u of undo) u();
      },
    };
  },
});

export { createMucArchiveStore } from './muc-archive-store.sql.ts';
export type { MucArchiveStore, RoomMessage } from './muc-archive-store.ts';
export { createMucStore } from './muc-store.sql.ts';
export type { MucStore, StoredAffiliation, StoredRoom } from './muc-store.ts';

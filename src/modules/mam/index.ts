import { s } from '../../config/index.ts';
import { NS_MAM, NS_SID } from '../../xml/index.ts';
import { defineModule, onHook } from '../module-api.ts';
import type { RosterApi } from '../roster/roster-api.ts';
import { MamArchiver } from './mam-archive.ts';
import { handleMamIq } from './mam-iq.ts';
import { createMamStore } from './mam-store.sql.ts';
import { MAM_MAX_PAGE, type MamStore } from './mam-store.ts';
import { Retention } from './retention.ts';

export { createMamStore } from './mam-store.sql.ts';
export type { ArchivedMessage, MamPrefs, MamStore } from './mam-store.ts';

/** Before mod_carbons (60), so received copies carry the stanza-id; after blocking (5). */
const PRIORITY = 40;

const options = s.object(
  {
    default_mode: s.string({
      doc: "Archiving for users who set no preferences: 'always', 'never' or 'roster' (XEP-0313 §7)",
      default: 'always',
      enum: ['always', 'never', 'roster'] as const,
    }),
    default_page_size: s.int({
      doc: 'Results per query page when the client gives no RSM <max/>',
      default: 50,
      min: 1,
      max: MAM_MAX_PAGE,
    }),
    max_page_size: s.int({
      doc: 'Most results per query page; a larger RSM <max/> is lowered to this',
      default: 250,
      min: 1,
      max: MAM_MAX_PAGE,
    }),
    max_age_days: s.int({
      doc: 'Archived messages older than this many days are deleted (0: kept forever)',
      default: 0,
      min: 0,
      max: 36_500,
    }),
  },
  { doc: 'Message Archive Management (XEP-0313) for user archives' },
);

/** XEP-0313 user archives of one-to-one messages, with XEP-0359 stanza ids. */
export const modMam = defineModule({
  id: 'mod_mam',
  summary: 'Message Archive Management: archives one-to-one chats, queries with RSM paging',
  xeps: [
    { xep: 313, version: '1.1.1', note: 'user archives; no #extended fields or metadata' },
    { xep: 59, version: '1.0', note: 'in MAM queries; no index' },
    { xep: 297, version: '1.0', note: 'MAM results' },
    { xep: 359, version: '0.7.0', note: 'stanza-id on archived incoming messages' },
  ],
  options,
  after: ['mod_roster'],
  async start(ctx) {
    const store: MamStore = await createMamStore(ctx.db);
    const o = ctx.options;
    const archiver = new MamArchiver({
      store,
      log: ctx.log,
      hosts: new Set(ctx.hosts),
      defaultMode: o.default_mode,
      roster: ctx.api<RosterApi>('mod_roster'),
    });
    const limits = {
      maxMax: o.max_page_size,
      defaultMax: Math.min(o.default_page_size, o.max_page_size),
    };
    const deps = { store, archiver, router: ctx.router, log: ctx.log, limits };
    const retention =
      o.max_age_days > 0 ? new Retention(store, o.max_age_days, ctx.log) : undefined;
    retention?.start();
    return {
      iq: [{ target: 'user', ns: NS_MAM, handler: (req) => handleMamIq(deps, req) }],
      // XEP-0313 §6.1: advertised on the account's bare JID; XEP-0359 §6.
      accountFeatures: [NS_MAM, NS_SID],
      api: { store } satisfies MamApi,
      hooks: [
        onHook('user-send-packet', (msg, { from }) => archiver.outgoing(msg, from), PRIORITY),
        onHook(
          'message-to-user',
          (msg, { to, from }) => archiver.incoming(msg, to, from),
          PRIORITY,
        ),
        onHook('remove-user', async (acc, { user, domain }) => {
          await store.removeAll(user, domain);
          return acc;
        }),
      ],
      async stop() {
        await retention?.stop();
      },
    };
  },
});

/** What other modules may use (ctx.api<MamApi>('mod_mam')). */
export interface MamApi {
  store: MamStore;
}

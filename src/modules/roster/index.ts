import { s } from '../../config/index.ts';
import { Stop } from '../../hooks/index.ts';
import { makeJid } from '../../jid/index.ts';
import { NS_ROSTER, NS_ROSTERVER, x } from '../../xml/index.ts';
import { defineModule, onHook } from '../module-api.ts';
import { rosterIqHandler } from './roster-iq.ts';
import { isPushForUninterested } from './roster-push.ts';
import { RosterService } from './roster-service.ts';
import { createRosterStore } from './roster-store.sql.ts';

export type { RosterApi, SubscriptionFields } from './roster-api.ts';

const options = s.object(
  {
    max_roster_size: s.int({
      doc: 'Most items one roster may hold; adding more is refused with <not-allowed/>',
      default: 500,
      min: 1,
      max: 100_000,
    }),
    versioning: s.bool({
      doc: 'Offer roster versioning (XEP-0237): clients with an up-to-date cache get no roster',
      default: true,
    }),
  },
  { doc: 'Rosters (RFC 6121 §2): contacts, groups, pushes, versioning' },
);

/** mod_roster: the user's contact list (RFC 6121 §2) with versioning (XEP-0237). */
export const modRoster = defineModule({
  id: 'mod_roster',
  summary: 'Rosters: get/set/remove, pushes to interested resources, roster versioning',
  xeps: [{ xep: 237, version: '1.3', note: 'full roster when the version differs' }],
  options,
  async start(ctx) {
    const store = await createRosterStore(ctx.db);
    const versioning = ctx.options.versioning;
    const service = new RosterService({
      store,
      sm: ctx.sm,
      router: ctx.router,
      log: ctx.log,
      maxItems: ctx.options.max_roster_size,
      versioning,
    });
    return {
      api: service,
      iq: [{ target: 'user', ns: NS_ROSTER, handler: rosterIqHandler(store, service, versioning) }],
      hooks: [
        // XEP-0237 §2.2: the stream feature announcing roster versioning.
        onHook('c2s-stream-features', (acc) =>
          versioning ? [...acc, x('ver', NS_ROSTERVER)] : acc,
        ),
        // A push forwarded by another node reaches only interested resources (RFC 6121 §2.2).
        onHook('user-receive-packet', (acc, { session, to }) =>
          isPushForUninterested(acc, session, to) ? new Stop() : acc,
        ),
        onHook('remove-user', async (acc, { user, domain }) => {
          await service.removeUser(makeJid(user, domain));
          return acc;
        }),
      ],
    };
  },
});

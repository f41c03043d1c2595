import { s } from '../../config/index.ts';
import { NS_CLIENT } from '../../xml/index.ts';
import { defineModule, onHook } from '../module-api.ts';
import type { RosterApi } from '../roster/roster-api.ts';
import { CapsCache } from './caps-cache.ts';
import { forgetCaps, Interest, rememberCaps, sessionCaps } from './interest.ts';
import { type LastItemsDeps, lastItemsForResource, sendLastItems } from './last-items.ts';
import { DEFAULT_CONFIG } from './node-config.ts';
import { Notifier } from './notifier.ts';
import { NS_PUBSUB, NS_PUBSUB_OWNER } from './ns.ts';
import { handleOwnerIq, handlePubsubIq } from './pep-iq.ts';
import { PepService } from './pep-service.ts';
import { createPepStore } from './pep-store.sql.ts';
import { Tasks } from './tasks.ts';

const options = s.object(
  {
    max_items_per_node: s.int({
      doc: 'Most items one PEP node keeps (what pubsub#max_items "max" means); more is not-acceptable',
      default: 1000,
      min: 1,
      max: 100_000,
    }),
    max_payload_size: s.int({
      doc: 'Bytes of one serialized item payload; larger is not-acceptable (payload-too-big)',
      default: 60 * 1024,
      min: 256,
      max: 16 * 1024 * 1024,
    }),
    max_nodes_per_user: s.int({
      doc: 'PEP nodes one account may have; more is policy-violation',
      default: 200,
      min: 1,
      max: 100_000,
    }),
    default_max_items: s.int({
      doc: 'pubsub#max_items of a node created without one (XEP-0163: the last item)',
      default: 1,
      min: 1,
      max: 100_000,
    }),
    caps_cache_size: s.int({
      doc: 'Verified entity capabilities (XEP-0115) kept in memory; the database keeps all',
      default: 10_000,
      min: 10,
      max: 1_000_000,
    }),
    caps_query_timeout: s.int({
      doc: 'Milliseconds a client has to answer the disco#info query for unknown caps',
      default: 10_000,
      min: 100,
      max: 120_000,
    }),
  },
  { doc: 'Personal Eventing Protocol (XEP-0163) on every account' },
);

/** Account features of PEP (XEP-0163 §6, XEP-0060 §10). */
const FEATURES = [
  NS_PUBSUB,
  `${NS_PUBSUB}#access-open`,
  `${NS_PUBSUB}#access-presence`,
  `${NS_PUBSUB}#access-roster`,
  `${NS_PUBSUB}#access-whitelist`,
  `${NS_PUBSUB}#auto-create`,
  `${NS_PUBSUB}#config-node`,
  `${NS_PUBSUB}#create-and-configure`,
  `${NS_PUBSUB}#create-nodes`,
  `${NS_PUBSUB}#delete-items`,
  `${NS_PUBSUB}#delete-nodes`,
  `${NS_PUBSUB}#filtered-notifications`,
  `${NS_PUBSUB}#item-ids`,
  `${NS_PUBSUB}#last-published`,
  `${NS_PUBSUB}#persistent-items`,
  `${NS_PUBSUB}#presence-notifications`,
  `${NS_PUBSUB}#publish`,
  `${NS_PUBSUB}#publish-options`,
  `${NS_PUBSUB}#purge-nodes`,
  `${NS_PUBSUB}#retract-items`,
  `${NS_PUBSUB}#retrieve-default`,
  `${NS_PUBSUB}#retrieve-items`,
];

/** mod_pep: every account is a PubSub service (XEP-0163) with caps-filtered notifications. */
export const modPep = defineModule({
  id: 'mod_pep',
  summary: 'Personal Eventing Protocol: PubSub nodes on every account, notifications by caps',
  xeps: [
    {
      xep: 60,
      version: '1.26.0',
      note: 'as used by PEP: no explicit subscriptions or affiliations',
    },
    { xep: 115, version: '1.6.0', note: 'server side: verified caps drive PEP notifications' },
    { xep: 163, version: '1.2.2' },
  ],
  options,
  after: ['mod_roster'],
  async start(ctx) {
    const roster = ctx.api<RosterApi>('mod_roster');
    if (!roster) throw new Error('mod_pep needs mod_roster');
    const o = ctx.options;
    const store = await createPepStore(ctx.db);
    const caps = new CapsCache(store, ctx.router, ctx.tracker, ctx.log, {
      capacity: o.caps_cache_size,
      queryTimeoutMs: o.caps_query_timeout,
      maxInFlight: 1000,
    });
    const interest = new Interest(ctx.sm, caps);
    const notifier = new Notifier(ctx.router, roster, interest, ctx.log);
    const pep = new PepService({
      store,
      roster,
      notifier,
      limits: {
        maxItemsPerNode: o.max_items_per_node,
        maxPayloadBytes: o.max_payload_size,
        maxNodesPerUser: o.max_nodes_per_user,
      },
      defaults: { ...DEFAULT_CONFIG, maxItems: o.default_max_items },
    });
    const tasks = new Tasks(ctx.log, 10_000);
    const last: LastItemsDeps = { store, roster, pep, notifier, interest };
    return {
      iq: [
        { target: 'user', ns: NS_PUBSUB, handler: (req) => handlePubsubIq(pep, req) },
        { target: 'user', ns: NS_PUBSUB_OWNER, handler: (req) => handleOwnerIq(pep, req) },
      ],
      accountFeatures: FEATURES,
      api: pep,
      hooks: [
        onHook('user-send-packet', (stanza, { session }) => {
          if (stanza.name !== 'presence' || stanza.ns !== NS_CLIENT) return stanza;
          if (stanza.attrs.to !== undefined) return stanza;
          const type = stanza.attrs.type;
          if (type === 'unavailable') forgetCaps(session);
          if (type !== undefined || !rememberCaps(session, stanza)) return stanza;
          const jid = session.jid;
          const target = jid ? ctx.sm.get(jid) : undefined;
          const c = sessionCaps(session);
          if (!jid || !target || !c) return stanza;
          // XEP-0163 §4.3.4: new caps (or a new available resource): learn what it wants, then
          // send it the last items. Not awaited here: the query goes to this very session.
          tasks.run('pep_last_items', async () => {
            await caps.features(c, jid, true);
            await lastItemsForResource(last, jid, target);
          });
          return stanza;
        }),
        // XEP-0163 §4.3.4 / XEP-0060 §6.1.7: a contact whose subscription was just approved gets
        // the last items of the account that approved it.
        onHook(
          'presence-in',
          (stanza, { to, from }) => {
            if (stanza.attrs.type !== 'subscribed' || from.local === '') return stanza;
            const owner = from.bare();
            tasks.run('pep_last_items_on_sub', async () => {
              for (const t of ctx.router.resources(to.bare())) {
                if (t.available) await sendLastItems(last, owner, t, true);
              }
            });
            return stanza;
          },
          40,
        ),
        onHook('disco-sm-identities', (acc) => [...acc, { category: 'pubsub', type: 'pep' }]),
        onHook('disco-sm-items', async (acc, { user, from }) => {
          const nodes = await pep.visibleNodes(user.bare(), from);
          return [...acc, ...nodes.map((n) => ({ jid: user.bareString(), node: n.node }))];
        }),
        onHook('remove-user', async (acc, { user, domain }) => {
          await store.removeUser(user, domain);
          return acc;
        }),
      ],
      stop: () => tasks.stop(),
    };
  },
});

export { verString } from './caps-ver.ts';
export { DEFAULT_CONFIG, type NodeConfig } from './node-config.ts';
export { createPepStore } from './pep-store.sql.ts';
export type { PepStore, StoredItem, StoredNode } from './pep-store.ts';

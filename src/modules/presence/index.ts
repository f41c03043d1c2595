import { s } from '../../config/index.ts';
import { Stop } from '../../hooks/index.ts';
import { tryParseJid } from '../../jid/index.ts';
import { NS_CLIENT, x } from '../../xml/index.ts';
import { defineModule, onHook } from '../module-api.ts';
import type { RosterApi } from '../roster/roster-api.ts';
import {
  broadcastAvailable,
  broadcastPurged,
  broadcastRestored,
  broadcastUnavailable,
} from './broadcast.ts';
import { answerProbe } from './probe.ts';
import { rememberDirected, sessionPresence } from './session-presence.ts';
import { SUBSCRIPTION_TYPES, type SubscriptionType } from './subscription.ts';
import { handleInbound, handleOutbound, type SubscriptionDeps } from './subscriptions.ts';

const options = s.object(
  {
    max_pending_requests: s.int({
      doc: 'Most subscription requests stored per user while waiting for an answer',
      default: 100,
      min: 1,
      max: 10_000,
    }),
  },
  { doc: 'Presence and subscriptions (RFC 6121 §3–4)' },
);

/** mod_presence: subscriptions, broadcast, probes and directed presence (RFC 6121 §3–4). */
export const modPresence = defineModule({
  id: 'mod_presence',
  summary: 'Presence subscriptions, broadcast, probes, directed presence (RFC 6121 §3–4)',
  xeps: [],
  options,
  after: ['mod_roster'],
  async start(ctx) {
    const roster = ctx.api<RosterApi>('mod_roster');
    if (!roster) throw new Error('mod_presence needs mod_roster');
    const d: SubscriptionDeps = {
      roster,
      router: ctx.router,
      sm: ctx.sm,
      log: ctx.log,
      maxPending: ctx.options.max_pending_requests,
    };
    return {
      hooks: [
        onHook('user-send-packet', async (stanza, { session, from }) => {
          if (stanza.name !== 'presence' || stanza.ns !== NS_CLIENT) return stanza;
          const type = stanza.attrs.type;
          const toAttr = stanza.attrs.to;
          if (toAttr === undefined) {
            // RFC 6121 §4.2, §4.4, §4.5: presence broadcast (the c2s session already recorded
            // availability and priority).
            if (type === undefined) await broadcastAvailable(d, session, stanza);
            else if (type === 'unavailable' && sessionPresence(session).last) {
              await broadcastUnavailable(d, session, stanza);
            }
            return stanza;
          }
          const to = tryParseJid(toAttr);
          if (!to) return stanza;
          if (type !== undefined && SUBSCRIPTION_TYPES.has(type)) {
            await handleOutbound(
              d,
              session,
              stanza,
              from.bare(),
              to.bare(),
              type as SubscriptionType,
            );
            return new Stop();
          }
          // RFC 6121 §4.6: remember directed presence so that unavailable follows at logout.
          const st = sessionPresence(session);
          if (type === undefined) rememberDirected(st, to.toString());
          else if (type === 'unavailable') st.directed.delete(to.toString());
          return stanza;
        }),
        onHook('presence-in', async (stanza, { to, from }) => {
          const type = stanza.attrs.type;
          if (type === 'probe') {
            await answerProbe(d, to.bare(), from);
            return new Stop();
          }
          if (type !== undefined && SUBSCRIPTION_TYPES.has(type)) {
            await handleInbound(d, stanza, to.bare(), from.bare(), type as SubscriptionType);
            return new Stop();
          }
          return stanza;
        }),
        // RFC 6121 §3.1.3: pending requests are delivered at each login until answered.
        onHook('user-available', async (acc, { session }) => {
          const jid = session.jid;
          const me = jid ? ctx.sm.get(jid) : undefined;
          if (!jid || !me) return acc;
          for (const p of await roster.listPendingIn(jid.bare())) {
            p.request.setAttr('to', jid.bareString());
            await me.deliver(p.request);
          }
          return acc;
        }),
        // RFC 6121 §4.5.2 / §4.6.3: a session that ends while available goes unavailable.
        onHook('session-closed', async (acc, { session }) => {
          if (!session.jid || !sessionPresence(session).last) return acc;
          const unavailable = x('presence', NS_CLIENT, {
            from: session.jid.toString(),
            type: 'unavailable',
          });
          await broadcastUnavailable(d, session, unavailable);
          return acc;
        }),
        onHook('session-purged', async (acc, { jid }) => {
          await broadcastPurged(d, jid);
          return acc;
        }),
        onHook('session-restored', async (acc, { session }) => {
          await broadcastRestored(d, session);
          return acc;
        }),
        onHook('roster-get-subscription', async (acc, { user, contact }) => {
          if (user.bareString() === contact.bareString()) return 'both';
          const item = await roster.getItem(user.bare(), contact.bare());
          return item ? item.subscription : acc;
        }),
      ],
    };
  },
});

import { s } from '../../config/index.ts';
import { StanzaError } from '../../errors/index.ts';
import type { SessionRef } from '../../hooks/index.ts';
import type { IqHandler } from '../../iq/index.ts';
import { NS_CLIENT, NS_LAST, x } from '../../xml/index.ts';
import { defineModule, onHook } from '../module-api.ts';
import { createLastStore } from './last-store.sql.ts';
import type { LastStore } from './last-store.ts';

export { createLastStore } from './last-store.sql.ts';
export type { LastActivity, LastStore } from './last-store.ts';

/** session.data key: status text of the session's last unavailable presence. */
const STATUS = 'mod_last';

/** What other modules may use (ctx.api<LastApi>('mod_last')). */
export interface LastApi {
  store: LastStore;
}

export const modLast = defineModule({
  id: 'mod_last',
  summary: 'Server uptime and the last logout time and status of accounts',
  xeps: [{ xep: 12, version: '2.0', note: 'server uptime and offline user query' }],
  options: s.object({}, { doc: 'Last activity (XEP-0012)' }),
  async start(ctx) {
    const store = await createLastStore(ctx.db);
    const startedAt = Date.now();
    const seconds = (since: number) => String(Math.max(0, Math.floor((Date.now() - since) / 1000)));

    // XEP-0012 §4: to a server, the uptime.
    const uptime: IqHandler = (req) => {
      if (req.type !== 'get') throw new StanzaError('not-allowed');
      return x('query', NS_LAST, { seconds: seconds(startedAt) });
    };

    // XEP-0012 §3: to a bare JID, time since the last logout, for those allowed to see presence.
    const offlineUser: IqHandler = async (req) => {
      if (req.type !== 'get') throw new StanzaError('not-allowed');
      const user = req.to.bare();
      if (req.from.bareString() !== user.bareString()) {
        const sub = await ctx.hooks.run('roster-get-subscription', 'none', {
          user,
          contact: req.from.bare(),
        });
        if (sub.acc !== 'from' && sub.acc !== 'both') throw new StanzaError('forbidden');
      }
      if (ctx.sm.resources(user).some((r) => r.available)) {
        return x('query', NS_LAST, { seconds: '0' });
      }
      const last = await store.get(user.local, user.domain);
      // Never seen offline since records began: nothing to tell (as ejabberd answers).
      if (!last) throw new StanzaError('service-unavailable');
      return x('query', NS_LAST, { seconds: seconds(last.at) }, last.status || undefined);
    };

    const record = async (session: SessionRef): Promise<void> => {
      const jid = session.jid;
      if (!jid) return;
      const status = session.data.get(STATUS);
      try {
        // Sessions of a removed account close after remove-user: leave nothing behind.
        if (!(await ctx.userExists(jid.local, jid.domain))) return;
        await store.set(jid.local, jid.domain, {
          at: Date.now(),
          status: typeof status === 'string' ? status : '',
        });
      } catch (err) {
        ctx.log.warn({ what: 'last_activity_write_failed', jid: jid.toString(), err });
      }
    };

    return {
      api: { store } satisfies LastApi,
      accountFeatures: [NS_LAST],
      iq: [
        { target: 'server', ns: NS_LAST, handler: uptime },
        { target: 'user', ns: NS_LAST, handler: offlineUser },
      ],
      hooks: [
        // The status of an unavailable broadcast is the "Heading Home" text of XEP-0012 §3.
        onHook('user-send-packet', async (stanza, { session }) => {
          if (stanza.name !== 'presence' || stanza.attrs.to !== undefined) return stanza;
          if (stanza.attrs.type === undefined) session.data.delete(STATUS);
          else if (stanza.attrs.type === 'unavailable') {
            session.data.set(STATUS, stanza.getChildText('status', NS_CLIENT) ?? '');
            await record(session);
          }
          return stanza;
        }),
        onHook('session-closed', async (acc, { session }) => {
          await record(session);
          return acc;
        }),
        onHook('remove-user', async (acc, { user, domain }) => {
          await store.remove(user, domain);
          return acc;
        }),
      ],
    };
  },
});

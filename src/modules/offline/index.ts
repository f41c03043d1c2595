import { s } from '../../config/index.ts';
import type { SessionRef } from '../../hooks/index.ts';
import { makeJid } from '../../jid/index.ts';
import type { LocalSession } from '../../sm/index.ts';
import { defineModule, type ModuleCommand, onHook } from '../module-api.ts';
import { OfflineService } from './delivery.ts';
import { createOfflineStore } from './offline-store.sql.ts';
import type { OfflineStore } from './offline-store.ts';

export { createOfflineStore } from './offline-store.sql.ts';
export type { OfflineStore, StoredOfflineMessage } from './offline-store.ts';

/** XEP-0160 §6: the disco feature of servers that store offline messages. */
export const FEATURE_MSGOFFLINE = 'msgoffline';

/** Marks a session whose first available presence had a negative priority (nothing flushed). */
const WAITING = 'mod_offline';

const options = s.object(
  {
    max_messages: s.int({
      doc: 'Messages kept per user; beyond that senders get service-unavailable',
      default: 100,
      min: 1,
      max: 100_000,
    }),
  },
  { doc: 'Offline message storage (XEP-0160)' },
);

export const modOffline = defineModule({
  id: 'mod_offline',
  summary: 'Stores messages for offline users and delivers them at their next available presence',
  xeps: [
    { xep: 160, version: '1.0.1' },
    { xep: 203, version: '2.0', note: 'delay stamp on delivered offline messages' },
    { xep: 334, version: '0.3.0', note: 'store / no-store hints for offline storage' },
  ],
  options,
  async start(ctx) {
    const store = await createOfflineStore(ctx.db);
    const service = new OfflineService({
      store,
      sm: ctx.sm,
      router: ctx.router,
      log: ctx.log,
      maxMessages: ctx.options.max_messages,
    });
    const localOf = (ref: SessionRef): LocalSession | undefined => {
      const local = ref.jid ? ctx.sm.get(ref.jid) : undefined;
      return local === ref ? local : undefined;
    };
    return {
      features: [FEATURE_MSGOFFLINE],
      api: { store } satisfies OfflineApi,
      commands: offlineCommands(store),
      hooks: [
        onHook('offline-message', (msg, { to, from }) => service.onOfflineMessage(msg, to, from)),
        // XEP-0160 §3 step 5: delivery at the next non-negative available presence.
        onHook('user-available', async (acc, { session }) => {
          const local = localOf(session);
          if (!local) return acc;
          if ((local.priority ?? 0) < 0) session.data.set(WAITING, true);
          else await service.flush(local);
          return acc;
        }),
        // A resource that came online with a negative priority may raise it later.
        onHook('user-send-packet', async (stanza, { session }) => {
          if (
            stanza.name === 'presence' &&
            stanza.attrs.to === undefined &&
            stanza.attrs.type === undefined &&
            session.data.get(WAITING) === true &&
            session.available &&
            (session.priority ?? 0) >= 0
          ) {
            session.data.delete(WAITING);
            const local = localOf(session);
            if (local) await service.flush(local);
          }
          return stanza;
        }),
        onHook('remove-user', async (acc, { user, domain }) => {
          await store.removeAll(user, domain);
          return acc;
        }),
      ],
    };
  },
});

/** What other modules may use (ctx.api<OfflineApi>('mod_offline')). */
export interface OfflineApi {
  store: OfflineStore;
}

function offlineCommands(store: OfflineStore): ModuleCommand[] {
  const args = [
    { name: 'user', doc: 'Local part of the account' },
    { name: 'host', doc: 'Domain of the account' },
  ];
  const account = (argv: string[]) => {
    const [user, host] = argv;
    if (user === undefined || host === undefined) throw new Error('expected USER HOST');
    return makeJid(user, host);
  };
  return [
    {
      name: 'offline_count',
      summary: 'Number of offline messages stored for an account',
      args,
      run: async (argv) => {
        const jid = account(argv);
        const count = await store.count(jid.local, jid.domain);
        return { text: String(count), json: { count } };
      },
    },
    {
      name: 'delete_offline',
      summary: 'Deletes every offline message stored for an account',
      args,
      run: async (argv) => {
        const jid = account(argv);
        const deleted = await store.removeAll(jid.local, jid.domain);
        return { text: `${deleted} offline message(s) deleted`, json: { deleted } };
      },
    },
  ];
}

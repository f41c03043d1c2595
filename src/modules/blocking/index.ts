import { s } from '../../config/index.ts';
import { NS_BLOCKING } from '../../xml/index.ts';
import { defineModule, onHook } from '../module-api.ts';
import { blockingFilters } from './blocking-filter.ts';
import { handleBlockingIq } from './blocking-iq.ts';
import { createBlockingStore } from './blocking-store.sql.ts';
import { BlocklistCache } from './blocklist-cache.ts';

const options = s.object(
  {
    max_items: s.int({
      doc: 'JIDs one account may block',
      default: 1000,
      min: 1,
      max: 1_000_000,
    }),
    cache_size: s.int({
      doc: 'Blocklists kept in memory (least recently used forgotten first)',
      default: 10_000,
      min: 1,
      max: 10_000_000,
    }),
  },
  { doc: 'Blocking command (XEP-0191)' },
);

/** XEP-0191: users block JIDs; blocked contacts see them offline and cannot reach them. */
export const modBlocking = defineModule({
  id: 'mod_blocking',
  summary: 'Blocking command (urn:xmpp:blocking)',
  xeps: [{ xep: 191, version: '1.3' }],
  options,
  async start(ctx) {
    const store = await createBlockingStore(ctx.db);
    const cache = new BlocklistCache(store, ctx.options.cache_size);
    const deps = {
      store,
      cache,
      hooks: ctx.hooks,
      router: ctx.router,
      sm: ctx.sm,
      maxItems: ctx.options.max_items,
    };
    return {
      iq: [{ target: 'user', ns: NS_BLOCKING, handler: (req) => handleBlockingIq(deps, req) }],
      // XEP-0191 §3.1: announced by the server.
      features: [NS_BLOCKING],
      hooks: [
        ...blockingFilters(cache, new Set(ctx.hosts)),
        onHook('remove-user', async (acc, { user, domain }) => {
          await store.clear(user, domain);
          cache.invalidate(user, domain);
          return acc;
        }),
      ],
    };
  },
});

export { createBlockingStore } from './blocking-store.sql.ts';
export type { BlockingStore } from './blocking-store.ts';

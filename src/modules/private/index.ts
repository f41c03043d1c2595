import { s } from '../../config/index.ts';
import { NS_PRIVATE } from '../../xml/index.ts';
import { defineModule, onHook } from '../module-api.ts';
import { handlePrivateIq } from './private-iq.ts';
import { createPrivateStore } from './private-store.sql.ts';

const options = s.object(
  {
    max_item_size: s.int({
      doc: 'Bytes of serialized XML one namespace of one account may hold',
      default: 64 * 1024,
      min: 256,
      max: 16 * 1024 * 1024,
    }),
    max_namespaces: s.int({
      doc: 'Namespaces of private data one account may use',
      default: 100,
      min: 1,
      max: 100_000,
    }),
  },
  { doc: 'Private XML storage (XEP-0049)' },
);

/** XEP-0049 jabber:iq:private: XML a client keeps on the server for itself (bookmarks...). */
export const modPrivate = defineModule({
  id: 'mod_private',
  summary: 'Private XML storage (jabber:iq:private)',
  xeps: [{ xep: 49, version: '1.2' }],
  options,
  async start(ctx) {
    const store = await createPrivateStore(ctx.db);
    const limits = {
      maxItemSize: ctx.options.max_item_size,
      maxNamespaces: ctx.options.max_namespaces,
    };
    return {
      iq: [
        { target: 'user', ns: NS_PRIVATE, handler: (req) => handlePrivateIq(store, limits, req) },
      ],
      features: [NS_PRIVATE],
      hooks: [
        onHook('remove-user', async (acc, { user, domain }) => {
          await store.removeAll(user, domain);
          return acc;
        }),
      ],
    };
  },
});

export { createPrivateStore } from './private-store.sql.ts';
export type { PrivateEntry, PrivateStore } from './private-store.ts';

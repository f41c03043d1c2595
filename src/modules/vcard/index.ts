import { s } from '../../config/index.ts';
import { StanzaError } from '../../errors/index.ts';
import type { IqRequest } from '../../iq/index.ts';
import { type Element, NS_VCARD, serialize, x } from '../../xml/index.ts';
import { defineModule, onHook } from '../module-api.ts';
import { parseStoredXml } from './stored-xml.ts';
import { createVcardStore } from './vcard-store.sql.ts';
import type { VcardStore } from './vcard-store.ts';

const options = s.object(
  {
    max_size: s.int({
      doc: 'Largest vCard a user may store, in bytes of serialized XML (photos included)',
      default: 64 * 1024,
      min: 256,
      max: 16 * 1024 * 1024,
    }),
  },
  { doc: 'vCard storage (XEP-0054)' },
);

/** XEP-0054 vcard-temp: each account's vCard, readable by anyone, writable by its owner. */
export const modVcard = defineModule({
  id: 'mod_vcard',
  summary: 'vCards of accounts (vcard-temp)',
  xeps: [{ xep: 54, version: '1.2' }],
  options,
  async start(ctx) {
    const store = await createVcardStore(ctx.db);
    const maxSize = ctx.options.max_size;
    return {
      iq: [{ target: 'user', ns: NS_VCARD, handler: (req) => handle(store, maxSize, req) }],
      // XEP-0054 §4: support is announced by the server and on accounts.
      features: [NS_VCARD],
      accountFeatures: [NS_VCARD],
      hooks: [
        onHook('remove-user', async (acc, { user, domain }) => {
          await store.remove(user, domain);
          return acc;
        }),
      ],
    };
  },
});

async function handle(
  store: VcardStore,
  maxSize: number,
  req: IqRequest,
): Promise<Element | undefined> {
  if (req.payload.name !== 'vCard') throw new StanzaError('bad-request');
  const own = req.from.bareString() === req.to.bareString();
  if (req.type === 'set') {
    // XEP-0054 §3.2: only the owner may change a vCard.
    if (!own) throw new StanzaError('forbidden');
    const xml = serialize(req.payload);
    if (Buffer.byteLength(xml, 'utf8') > maxSize) {
      throw new StanzaError('policy-violation', {
        text: `the vCard is larger than ${maxSize} bytes`,
      });
    }
    await store.set(req.to.local, req.to.domain, xml);
    return undefined;
  }
  const xml = await store.get(req.to.local, req.to.domain);
  const stored = xml === null ? undefined : parseStoredXml(xml, Math.max(maxSize, xml.length) * 2);
  if (stored?.[0]) return stored[0];
  // XEP-0054 §3.1: one's own missing vCard may be an empty <vCard/>; §3.3: someone else's
  // missing vCard is an error (item-not-found; a non-existent user already got
  // service-unavailable from the router, RFC 6121 §8.5.1).
  if (own) return x('vCard', NS_VCARD);
  throw new StanzaError('item-not-found');
}

export { createVcardStore } from './vcard-store.sql.ts';
export type { VcardStore } from './vcard-store.ts';

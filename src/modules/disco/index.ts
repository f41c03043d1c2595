import { s } from '../../config/index.ts';
import { StanzaError } from '../../errors/index.ts';
import type { HookBus } from '../../hooks/index.ts';
import type { IqRequest } from '../../iq/index.ts';
import type { Jid } from '../../jid/index.ts';
import { type Element, NS_DATA_FORMS, NS_DISCO_INFO, NS_DISCO_ITEMS, x } from '../../xml/index.ts';

const NS_SERVERINFO = 'http://jabber.org/network/serverinfo';

import { defineModule } from '../module-api.ts';
import { type Identity, infoResult, itemsResult } from './disco-info.ts';

export type { DiscoItem, Identity } from './disco-info.ts';

/** XEP-0157 §5: the registered fields of the http://jabber.org/network/serverinfo form. */
const SERVER_INFO_FIELDS = [
  'abuse-addresses',
  'admin-addresses',
  'feedback-addresses',
  'sales-addresses',
  'security-addresses',
  'status-addresses',
  'support-addresses',
] as const;

const options = s.object(
  {
    server_name: s.string({
      doc: 'Name of the server identity in disco#info (XEP-0030 §3.1)',
      default: 'Meerkat',
      nonEmpty: true,
    }),
    server_info: s.array(
      s.object(
        {
          name: s.string({
            doc: 'A XEP-0157 field: abuse-, admin-, feedback-, sales-, security-, status- or support-addresses',
            enum: SERVER_INFO_FIELDS,
          }),
          urls: s.array(s.string({ doc: 'A URI (mailto:, xmpp:, https:)', nonEmpty: true }), {
            doc: 'Addresses for this field',
          }),
        },
        { doc: 'One contact address field' },
      ),
      {
        doc: 'Contact addresses (XEP-0157) in the server disco#info, e.g. [{ name = "admin-addresses", urls = ["mailto:admin@example.org"] }]',
        default: [],
      },
    ),
  },
  { doc: 'Service discovery (XEP-0030)' },
);

export const modDisco = defineModule({
  id: 'mod_disco',
  summary: 'Service discovery for the server and for accounts, features from the loaded modules',
  xeps: [
    { xep: 30, version: '2.5rc3' },
    { xep: 128, version: '1.0.1', note: 'the XEP-0157 form only' },
    { xep: 157, version: '1.1.1', note: 'server_info option' },
  ],
  options,
  async start(ctx) {
    const { hooks, iq } = ctx;
    const serverInfo = ctx.options.server_info;
    const serverInfoIq = async (req: IqRequest): Promise<Element> => {
      checkQuery(req);
      const domain = req.to.domain;
      const identities = await hooks.run(
        'disco-local-identities',
        [{ category: 'server', type: 'im', name: ctx.options.server_name }],
        { domain },
      );
      // Every IQ namespace the server answers is a feature (XEP-0030 §3.1), plus declared ones.
      const features = new Set([
        NS_DISCO_INFO,
        NS_DISCO_ITEMS,
        ...iq.namespaces('server'),
        ...ctx.moduleFeatures().server,
      ]);
      const extra = await hooks.run('disco-local-features', features, { domain });
      const info = infoResult(identities.acc, extra.acc);
      if (serverInfo.length > 0) info.append(serverInfoForm(serverInfo));
      return info;
    };
    const serverItems = async (req: IqRequest): Promise<Element> => {
      checkQuery(req);
      const items = await hooks.run('disco-local-items', [], { domain: req.to.domain });
      return itemsResult(items.acc);
    };
    const accountInfo = async (req: IqRequest): Promise<Element> => {
      checkQuery(req);
      await checkVisible(hooks, req.to, req.from);
      const user = req.to.bare();
      // XEP-0030 §3.1 / registrar: an account's bare JID is account/registered.
      const base: Identity[] = [{ category: 'account', type: 'registered' }];
      const identities = await hooks.run('disco-sm-identities', base, { user, from: req.from });
      const features = new Set([NS_DISCO_INFO, NS_DISCO_ITEMS, ...ctx.moduleFeatures().account]);
      const extra = await hooks.run('disco-sm-features', features, { user, from: req.from });
      return infoResult(identities.acc, extra.acc);
    };
    const accountItems = async (req: IqRequest): Promise<Element> => {
      checkQuery(req);
      await checkVisible(hooks, req.to, req.from);
      const items = await hooks.run('disco-sm-items', [], { user: req.to.bare(), from: req.from });
      return itemsResult(items.acc);
    };
    return {
      iq: [
        { target: 'server', ns: NS_DISCO_INFO, handler: serverInfoIq },
        { target: 'server', ns: NS_DISCO_ITEMS, handler: serverItems },
        { target: 'user', ns: NS_DISCO_INFO, handler: accountInfo },
        { target: 'user', ns: NS_DISCO_ITEMS, handler: accountItems },
      ],
    };
  },
});

/** XEP-0157 §5 / XEP-0128: a result form typed by a hidden FORM_TYPE field. */
function serverInfoForm(fields: readonly { name: string; urls: readonly string[] }[]): Element {
  const form = x(
    'x',
    NS_DATA_FORMS,
    { type: 'result' },
    x(
      'field',
      NS_DATA_FORMS,
      { var: 'FORM_TYPE', type: 'hidden' },
      x('value', NS_DATA_FORMS, {}, NS_SERVERINFO),
    ),
  );
  for (const f of fields) {
    form.append(
      x(
        'field',
        NS_DATA_FORMS,
        { var: f.name, type: 'list-multi' },
        ...f.urls.map((u) => x('value', NS_DATA_FORMS, {}, u)),
      ),
    );
  }
  return form;
}

/** Disco is get-only; nodes are not offered here (XEP-0030 §3.1: unknown node). */
function checkQuery(req: IqRequest): void {
  if (req.type !== 'get') throw new StanzaError('not-allowed', { text: 'disco is read-only' });
  if (req.payload.attrs.node !== undefined) throw new StanzaError('item-not-found');
}

/**
 * An account answers only its owner and contacts subscribed to its presence; anyone else gets
 * the answer a non-existent account gives (RFC 6121 §8.5.1: service-unavailable), so disco
 * cannot probe for accounts or their presence (XEP-0030 security considerations; ejabberd does
 * the same).
 */
async function checkVisible(hooks: HookBus, user: Jid, from: Jid): Promise<void> {
  if (from.bareString() === user.bareString()) return;
  const sub = await hooks.run('roster-get-subscription', 'none', {
    user: user.bare(),
    contact: from.bare(),
  });
  if (sub.acc === 'from' || sub.acc === 'both') return;
  throw new StanzaError('service-unavailable');
}

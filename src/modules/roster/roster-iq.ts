import { StanzaError } from '../../errors/index.ts';
import type { IqRequest } from '../../iq/index.ts';
import { type Element, NS_ROSTER, x } from '../../xml/index.ts';
import { markInterested } from './roster-push.ts';
import type { RosterService } from './roster-service.ts';
import { RosterFullError, type RosterStore } from './roster-store.ts';
import { itemElement, parseRosterSet } from './roster-xml.ts';

/** The jabber:iq:roster handler for IQs addressed to an account (RFC 6121 §2). */
export function rosterIqHandler(
  store: RosterStore,
  service: RosterService,
  versioning: boolean,
): (req: IqRequest) => Promise<Element | undefined> {
  return async (req) => {
    // RFC 6121 §2.1.5 / §2.3.3: only the account's own resources may read or change its roster.
    if (req.from.bareString() !== req.to.bareString()) {
      throw new StanzaError('forbidden', { text: 'a roster belongs to its account only' });
    }
    const user = req.to.bare();
    if (req.type === 'get') {
      if (req.session) markInterested(req.session);
      const { version, items } = await store.getRoster(user.local, user.domain);
      const ver = req.payload.attrs.ver;
      // XEP-0237 §2.4: an up-to-date cached roster gets an empty result.
      if (versioning && ver !== undefined && ver === String(version)) return undefined;
      return x(
        'query',
        NS_ROSTER,
        { ver: versioning && ver !== undefined ? String(version) : undefined },
        ...items.map(itemElement),
      );
    }
    const set = parseRosterSet(req.payload);
    const contact = set.jid.toString();
    if (set.kind === 'remove') {
      const item = await store.getItem(user.local, user.domain, contact);
      // RFC 6121 §2.5.3: removing an item that is not there.
      if (!item) throw new StanzaError('item-not-found');
      await service.cancelSubscriptions(user, contact, item);
      await service.update(user, contact, () => 'remove');
      return undefined;
    }
    try {
      // RFC 6121 §2.4: an update changes name and groups; the subscription stays the server's.
      await service.update(user, contact, (cur) => ({
        jid: contact,
        name: set.name,
        groups: set.groups,
        subscription: cur?.subscription ?? 'none',
        askOut: cur?.askOut ?? false,
      }));
    } catch (err) {
      if (err instanceof RosterFullError)
        throw new StanzaError('not-allowed', { text: err.message });
      throw err;
    }
    return undefined;
  };
}

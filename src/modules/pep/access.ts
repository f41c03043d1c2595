import type { StanzaError } from '../../errors/index.ts';
import type { Jid } from '../../jid/index.ts';
import type { RosterApi } from '../roster/roster-api.ts';
import type { NodeConfig } from './node-config.ts';
import { pubsubError } from './pubsub-error.ts';

/**
 * XEP-0060 §4.5 access models on a PEP service (XEP-0163 §4): whether `who` may retrieve items
 * of the node and get its notifications. Returns the error to send, or undefined when allowed.
 */
export async function accessDenied(
  roster: RosterApi,
  owner: Jid,
  who: Jid,
  config: NodeConfig,
): Promise<StanzaError | undefined> {
  if (who.bareString() === owner.bareString()) return undefined;
  switch (config.accessModel) {
    case 'open':
      return undefined;
    case 'whitelist':
      // §6.5.9.8 (not on the whitelist): no affiliations on PEP, so the owner alone.
      return pubsubError('not-allowed', 'closed-node');
    case 'presence':
    case 'roster': {
      const item = await roster.getItem(owner.bare(), who.bare());
      const subscribed = item?.subscription === 'from' || item?.subscription === 'both';
      // §6.5.9.6 presence access: a presence subscription is required.
      if (!subscribed) return pubsubError('not-authorized', 'presence-subscription-required');
      if (config.accessModel === 'presence') return undefined;
      const allowed = new Set(config.rosterGroupsAllowed);
      // §6.5.9.7 roster access: the contact must be in an allowed roster group.
      if (!item.groups.some((g) => allowed.has(g))) {
        return pubsubError('not-authorized', 'not-in-roster-group');
      }
      return undefined;
    }
  }
}

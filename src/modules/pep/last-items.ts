import type { Jid } from '../../jid/index.ts';
import { tryParseJid } from '../../jid/index.ts';
import type { RouteTarget } from '../../router/index.ts';
import { NS_DELAY, x } from '../../xml/index.ts';
import type { RosterApi } from '../roster/roster-api.ts';
import { accessDenied } from './access.ts';
import type { Interest } from './interest.ts';
import type { Notifier } from './notifier.ts';
import { NS_PUBSUB_EVENT } from './ns.ts';
import type { PepService } from './pep-service.ts';
import type { PepStore } from './pep-store.ts';

export interface LastItemsDeps {
  store: PepStore;
  roster: RosterApi;
  pep: PepService;
  notifier: Notifier;
  interest: Interest;
}

/**
 * XEP-0163 §4.3.4: the last published item of each node of `owner` that `target` may see and
 * wants (+notify), with its publication time (XEP-0203). `onSubscription` is the presence
 * subscription case (send_last_published_item on_sub or on_sub_and_presence); otherwise the
 * resource just became available (on_sub_and_presence only).
 */
export async function sendLastItems(
  d: LastItemsDeps,
  owner: Jid,
  target: RouteTarget,
  onSubscription: boolean,
): Promise<void> {
  const last = await d.store.lastItems(owner.local, owner.domain);
  if (last.length === 0) return;
  const nodes = new Map(
    (await d.store.listNodes(owner.local, owner.domain)).map((n) => [n.node, n.config]),
  );
  for (const { node, item } of last) {
    const config = nodes.get(node);
    if (!config?.deliverNotifications) continue;
    const when = config.sendLastPublishedItem;
    if (when === 'never' || (when === 'on_sub' && !onSubscription)) continue;
    if (await accessDenied(d.roster, owner, target.jid, config)) continue;
    if (!(await d.interest.wants(target, node))) continue;
    const items = x('items', NS_PUBSUB_EVENT, { node }, d.pep.eventItem(config, item));
    const delay = x('delay', NS_DELAY, {
      from: owner.bareString(),
      stamp: new Date(item.publishedAt).toISOString(),
    });
    await d.notifier.send(owner, target.jid, [items], [delay]);
  }
}

/** A new available resource of `user`: its own nodes, and those of the contacts it follows. */
export async function lastItemsForResource(
  d: LastItemsDeps,
  user: Jid,
  target: RouteTarget,
): Promise<void> {
  await sendLastItems(d, user.bare(), target, false);
  for (const contact of await d.roster.getSubscriptions(user.bare())) {
    const owner = tryParseJid(contact);
    if (owner && owner.local !== '') await sendLastItems(d, owner.bare(), target, false);
  }
}

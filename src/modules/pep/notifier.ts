import { randomBytes } from 'node:crypto';
import { type Jid, tryParseJid } from '../../jid/index.ts';
import type { Logger } from '../../observability/logger.ts';
import type { Router, RouteTarget } from '../../router/index.ts';
import { type Element, NS_CLIENT, x } from '../../xml/index.ts';
import type { RosterApi } from '../roster/roster-api.ts';
import type { Interest } from './interest.ts';
import type { NodeConfig } from './node-config.ts';
import { NS_PUBSUB_EVENT } from './ns.ts';

/**
 * XEP-0163 §4.3.3 event notifications of an account's PEP node: a headline message carrying the
 * <event/>, from the account's bare JID to each interested available resource of the owner and
 * of the contacts allowed by the node's access model (presence subscription, roster groups).
 * Sent through the router, so resources on other cluster nodes get theirs too.
 */
export class Notifier {
  constructor(
    private readonly router: Router,
    private readonly roster: RosterApi,
    private readonly interest: Interest,
    private readonly log: Logger,
  ) {}

  /** The resources a node's notifications may go to (before the +notify filter). */
  async audience(owner: Jid, config: NodeConfig): Promise<RouteTarget[]> {
    const out = this.router.resources(owner.bare()).filter((t) => t.available);
    if (config.accessModel === 'whitelist') return out;
    const allowed = new Set(config.rosterGroupsAllowed);
    for (const item of await this.roster.getItems(owner.bare())) {
      if (item.subscription !== 'from' && item.subscription !== 'both') continue;
      if (config.accessModel === 'roster' && !item.groups.some((g) => allowed.has(g))) continue;
      const contact = this.parse(item.jid);
      if (!contact) continue;
      for (const t of this.router.resources(contact)) if (t.available) out.push(t);
    }
    return out;
  }

  /** Sends `event` (children of <event/>) about `node` to every interested resource. */
  async notify(owner: Jid, node: string, config: NodeConfig, ...event: Element[]): Promise<number> {
    if (!config.deliverNotifications) return 0;
    let sent = 0;
    for (const target of await this.audience(owner, config)) {
      if (!(await this.interest.wants(target, node))) continue;
      await this.send(owner, target.jid, event);
      sent++;
    }
    return sent;
  }

  /** One notification to one resource (also the last published item, XEP-0163 §4.3.4 / XEP-0060 §6.1.7). */
  async send(
    owner: Jid,
    to: Jid,
    event: readonly Element[],
    extra: readonly Element[] = [],
  ): Promise<void> {
    const from = owner.bare();
    const msg = x(
      'message',
      NS_CLIENT,
      {
        from: from.toString(),
        to: to.toString(),
        type: 'headline',
        id: randomBytes(9).toString('base64url'),
      },
      x('event', NS_PUBSUB_EVENT, {}, ...event.map((e) => e.clone())),
      ...extra,
    );
    await this.router.route(msg, from, to);
  }

  private parse(jid: string): Jid | undefined {
    const parsed = tryParseJid(jid);
    if (!parsed) this.log.debug({ what: 'pep_bad_roster_jid', jid });
    return parsed?.bare();
  }
}

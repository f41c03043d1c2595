import { errorReply, StanzaError } from '../errors/index.ts';
import type { HookBus } from '../hooks/index.ts';
import type { IqDispatcher, IqTracker } from '../iq/index.ts';
import type { Jid } from '../jid/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { SessionManager } from '../sm/index.ts';
import type { Element } from '../xml/index.ts';
import { selectMessageTargets } from './select-targets.ts';

/** Something a stanza can be delivered to: a local session or a resource on another node. */
export interface RouteTarget {
  readonly jid: Jid;
  readonly priority: number | undefined;
  readonly available: boolean;
  deliver(stanza: Element): Promise<void>;
  /** For a resource on another node: its last broadcast presence (from the registry). */
  lastPresence?(): Element | undefined;
}

/** Sessions bound on other nodes (the cluster's registry mirror); absent when standalone. */
export interface RemoteDirectory {
  targets(bare: Jid): RouteTarget[];
  target(full: Jid): RouteTarget | undefined;
}

export interface RouterDeps {
  hosts: ReadonlySet<string>;
  remote?: RemoteDirectory;
  sm: SessionManager;
  iq: IqDispatcher;
  tracker: IqTracker;
  hooks: HookBus;
  userExists(user: string, domain: string): Promise<boolean>;
  log: Logger;
}

const SUBSCRIPTION_TYPES = new Set(['subscribe', 'subscribed', 'unsubscribe', 'unsubscribed']);

/** Handles every stanza addressed to a service domain (conference.<host>...). */
export type ServiceHandler = (stanza: Element, from: Jid, to: Jid) => Promise<void>;

/**
 * Delivers a stanza whose `from` the server has already stamped, following RFC 6120 §10
 * and RFC 6121 §8.5 (local domain, bare vs full JID, no such user, no available resource).
 */
export class Router {
  private readonly services = new Map<string, ServiceHandler>();

  constructor(private readonly d: RouterDeps) {}

  /**
   * Routes every stanza for `domain` (a service subdomain such as the XEP-0045 MUC service) to
   * `handler`. Returns the function that unregisters it.
   */
  registerService(domain: string, handler: ServiceHandler): () => void {
    if (this.services.has(domain)) throw new Error(`service domain ${domain} already registered`);
    this.services.set(domain, handler);
    return () => {
      if (this.services.get(domain) === handler) this.services.delete(domain);
    };
  }

  isLocalDomain(domain: string): boolean {
    return this.d.hosts.has(domain);
  }

  async route(stanza: Element, from: Jid, to: Jid): Promise<void> {
    const service = this.services.get(to.domain);
    if (service) {
      // Handed over, not awaited: a service (a MUC room) routes stanzas while it handles one,
      // and a bounce of those coming back to it must not wait for itself. It keeps its order.
      service(stanza, from, to).catch((err: unknown) =>
        this.d.log.warn({ what: 'service_handler_failed', domain: to.domain, err }),
      );
      return;
    }
    if (!this.d.hosts.has(to.domain)) {
      // No server-to-server yet: RFC 6120 §10.4.3.
      return this.bounce(stanza, from, to, new StanzaError('remote-server-not-found'));
    }
    if (to.local === '') return this.routeToServer(stanza, from, to);
    switch (stanza.name) {
      case 'message':
        return this.routeMessage(stanza, from, to);
      case 'presence':
        return this.routePresence(stanza, from, to);
      case 'iq':
        return this.routeIq(stanza, from, to);
      default:
        return;
    }
  }

  /** Sends the error version of `stanza` back to its sender, never bouncing an error. */
  async bounce(stanza: Element, from: Jid, to: Jid, error: StanzaError): Promise<void> {
    const type = stanza.attrs.type;
    if (type === 'error' || type === 'result') return;
    const reply = errorReply(stanza, error);
    reply.setAttr('from', to.toString());
    reply.setAttr('to', from.toString());
    await this.route(reply, to, from);
  }

  private async routeToServer(stanza: Element, from: Jid, to: Jid): Promise<void> {
    if (stanza.name !== 'iq') return; // messages/presence to the server itself: nothing to do here
    const type = stanza.attrs.type;
    if (type === 'result' || type === 'error') {
      this.d.tracker.settle(stanza);
      return;
    }
    const reply = await this.d.iq.dispatch('server', stanza, from, to);
    await this.route(reply, to, from);
  }

  private async routeIq(stanza: Element, from: Jid, to: Jid): Promise<void> {
    const type = stanza.attrs.type;
    const request = type === 'get' || type === 'set';
    if (!to.isBare()) {
      const session = this.full(to);
      if (session) return session.deliver(stanza);
      // RFC 6121 §8.5.3.2.3: no such resource.
      if (request) return this.bounce(stanza, from, to, new StanzaError('service-unavailable'));
      return;
    }
    if (!request) {
      // A client answering a server request with no 'to' (RFC 6120 §10.3: own account).
      if (from.bareString() === to.bareString()) this.d.tracker.settle(stanza);
      return;
    }
    if (!(await this.exists(to))) {
      return this.bounce(stanza, from, to, new StanzaError('service-unavailable'));
    }
    const session = from.bareString() === to.bareString() ? this.d.sm.get(from) : undefined;
    const reply = await this.d.iq.dispatch('user', stanza, from, to, session);
    await this.route(reply, to, from);
  }

  private async routeMessage(stanza: Element, from: Jid, to: Jid): Promise<void> {
    const type = stanza.attrs.type ?? 'normal';
    if (!to.isBare()) {
      const session = this.full(to);
      if (session) return this.deliverMessage([session], stanza, from, to);
      // RFC 6121 §8.5.3.2.1: treat as bare for normal/chat; groupchat bounces; headline dropped.
      if (type === 'groupchat') {
        return this.bounce(stanza, from, to, new StanzaError('service-unavailable'));
      }
      if (type !== 'normal' && type !== 'chat') return;
    }
    const bare = to.bare();
    if (!(await this.exists(bare))) {
      // RFC 6121 §8.5.1: no such account.
      return this.bounce(stanza, from, to, new StanzaError('service-unavailable'));
    }
    const targets = selectMessageTargets(this.resources(bare), type);
    if (targets.length > 0) return this.deliverMessage(targets, stanza, from, to);
    if (type === 'error' || type === 'headline') return;
    if (type === 'groupchat') {
      return this.bounce(stanza, from, to, new StanzaError('service-unavailable'));
    }
    const inbound = await this.d.hooks.run('message-to-user', stanza, { to, from, delivered: [] });
    if (inbound.stopped) return;
    // RFC 6121 §8.5.2.2.1: store offline or answer service-unavailable, never drop silently.
    const offline = await this.d.hooks.run('offline-message', inbound.acc, { to: bare, from });
    if (!offline.stopped) {
      await this.bounce(stanza, from, to, new StanzaError('service-unavailable'));
    }
  }

  private async routePresence(stanza: Element, from: Jid, to: Jid): Promise<void> {
    if (!(await this.exists(to.bare()))) return; // RFC 6121 §8.5.1: presence silently ignored
    const hook = await this.d.hooks.run('presence-in', stanza, { to, from });
    if (hook.stopped) return;
    const type = stanza.attrs.type;
    if (!to.isBare() && !SUBSCRIPTION_TYPES.has(type ?? '')) {
      const session = this.full(to);
      if (session) await session.deliver(hook.acc);
      return; // RFC 6121 §8.5.3.2.2: no such resource, ignore
    }
    if (type === 'probe') return; // answered by mod_presence when loaded
    const targets = this.resources(to.bare()).filter((s) => s.available);
    await this.deliverAll(targets, hook.acc);
  }

  /** The session of a full JID, on this node or another. */
  full(to: Jid): RouteTarget | undefined {
    return this.d.sm.get(to) ?? this.d.remote?.target(to);
  }

  /** Every resource of a user, on this node and the others. */
  resources(bare: Jid): RouteTarget[] {
    const local: RouteTarget[] = this.d.sm.resources(bare);
    const remote = this.d.remote?.targets(bare);
    return remote && remote.length > 0 ? local.concat(remote) : local;
  }

  /** Runs 'message-to-user' once for the message, then delivers it to each target. */
  private async deliverMessage(
    targets: RouteTarget[],
    stanza: Element,
    from: Jid,
    to: Jid,
  ): Promise<void> {
    const delivered = targets.map((t) => t.jid);
    const inbound = await this.d.hooks.run('message-to-user', stanza, { to, from, delivered });
    if (inbound.stopped) return;
    return this.deliverAll(targets, inbound.acc);
  }

  private async deliverAll(targets: RouteTarget[], stanza: Element): Promise<void> {
    if (targets.length === 1) return targets[0]!.deliver(stanza);
    // Each recipient's hooks may change its copy.
    await Promise.all(targets.map((s) => s.deliver(stanza.clone())));
  }

  private async exists(bare: Jid): Promise<boolean> {
    if (this.d.sm.hasAny(bare)) return true;
    if (this.d.remote && this.d.remote.targets(bare).length > 0) return true;
    return this.d.userExists(bare.local, bare.domain);
  }
}

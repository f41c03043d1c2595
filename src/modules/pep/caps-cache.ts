import type { IqTracker } from '../../iq/index.ts';
import { type Jid, makeJid } from '../../jid/index.ts';
import type { Logger } from '../../observability/logger.ts';
import type { Router } from '../../router/index.ts';
import { type Element, NS_CLIENT, NS_DISCO_INFO, x } from '../../xml/index.ts';
import { type Caps, capsKey, verString } from './caps-ver.ts';
import type { PepStore } from './pep-store.ts';

export interface CapsCacheOptions {
  /** Feature sets kept in memory (least recently used forgotten). */
  capacity: number;
  /** How long a disco#info query to a client may take. */
  queryTimeoutMs: number;
  /** Queries in flight at once; more are not sent (the client just gets no notification). */
  maxInFlight: number;
}

/**
 * XEP-0115 entity capabilities: ver string → features. Verified sets live in the store (shared
 * by the cluster's nodes: a ver names one feature set forever) and in a bounded memory cache; an
 * unknown ver is learned with a disco#info query to the full JID that advertised it (§6.3),
 * then verified (§5.4) before it is believed.
 */
export class CapsCache {
  readonly #mem = new Map<string, ReadonlySet<string>>();
  readonly #inFlight = new Map<string, Promise<ReadonlySet<string> | undefined>>();

  constructor(
    private readonly store: PepStore,
    private readonly router: Router,
    private readonly tracker: IqTracker,
    private readonly log: Logger,
    private readonly opts: CapsCacheOptions,
  ) {}

  /** Features already known for `caps` (memory only, no I/O). */
  known(caps: Caps): ReadonlySet<string> | undefined {
    const key = capsKey(caps);
    const hit = this.#mem.get(key);
    if (hit) {
      this.#mem.delete(key);
      this.#mem.set(key, hit);
    }
    return hit;
  }

  /**
   * Features for `caps`: from memory, then the store, then (when `askable`, i.e. the entity's
   * replies reach this node) a disco#info query to `entity`. Undefined when unknown.
   */
  async features(
    caps: Caps,
    entity: Jid,
    askable: boolean,
  ): Promise<ReadonlySet<string> | undefined> {
    const hit = this.known(caps);
    if (hit) return hit;
    const key = capsKey(caps);
    const running = this.#inFlight.get(key);
    if (running) return running;
    if (this.#inFlight.size >= this.opts.maxInFlight) return undefined;
    const p = this.#learn(caps, entity, askable).finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, p);
    return p;
  }

  async #learn(
    caps: Caps,
    entity: Jid,
    askable: boolean,
  ): Promise<ReadonlySet<string> | undefined> {
    const key = capsKey(caps);
    const stored = await this.store.getCaps(key);
    if (stored) return this.#remember(key, stored);
    if (!askable) return undefined;
    const info = await this.#query(caps, entity);
    if (!info) return undefined;
    // §5.4: recompute the ver string; a mismatch is not believed (nor cached).
    if (verString(info, caps.hash) !== caps.ver) {
      this.log.debug({ what: 'pep_caps_unverified', entity: entity.toString(), ver: caps.ver });
      return undefined;
    }
    const features = info.getChildren('feature', NS_DISCO_INFO).map((f) => f.attrs.var ?? '');
    await this.store.putCaps(key, features);
    return this.#remember(key, features);
  }

  async #query(caps: Caps, entity: Jid): Promise<Element | undefined> {
    const server = makeJid('', entity.domain);
    let pending: { id: string; reply: Promise<Element> };
    try {
      pending = this.tracker.expect(this.opts.queryTimeoutMs, entity.toString());
    } catch {
      return undefined;
    }
    const iq = x(
      'iq',
      NS_CLIENT,
      { type: 'get', id: pending.id, from: server.toString(), to: entity.toString() },
      x('query', NS_DISCO_INFO, { node: `${caps.node}#${caps.ver}` }),
    );
    await this.router.route(iq, server, entity);
    try {
      const reply = await pending.reply;
      if (reply.attrs.type !== 'result') return undefined;
      return reply.getChild('query', NS_DISCO_INFO);
    } catch {
      return undefined; // timeout: the client did not answer
    }
  }

  #remember(key: string, features: readonly string[]): ReadonlySet<string> {
    const set = new Set(features);
    this.#mem.delete(key);
    if (this.#mem.size >= this.opts.capacity) {
      const oldest = this.#mem.keys().next();
      if (!oldest.done) this.#mem.delete(oldest.value);
    }
    this.#mem.set(key, set);
    return set;
  }
}

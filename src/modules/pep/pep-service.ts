import { randomUUID } from 'node:crypto';
import { StanzaError } from '../../errors/index.ts';
import type { Jid } from '../../jid/index.ts';
import { type Element, serialize, x } from '../../xml/index.ts';
import type { RosterApi } from '../roster/roster-api.ts';
import { parseStoredXml } from '../vcard/stored-xml.ts';
import { accessDenied } from './access.ts';
import {
  applyFields,
  type ConfigLimits,
  checkPreconditions,
  itemsKept,
  type NodeConfig,
} from './node-config.ts';
import type { Notifier } from './notifier.ts';
import { NS_PUBSUB, NS_PUBSUB_EVENT } from './ns.ts';
import type { PepStore, StoredItem, StoredNode } from './pep-store.ts';
import { pubsubError } from './pubsub-error.ts';

export interface PepLimits extends ConfigLimits {
  /** Bytes of one serialized item payload. */
  maxPayloadBytes: number;
  /** Nodes one account may have. */
  maxNodesPerUser: number;
}

export interface PepServiceDeps {
  store: PepStore;
  roster: RosterApi;
  notifier: Notifier;
  limits: PepLimits;
  defaults: NodeConfig;
}

/** A publish request, parsed (XEP-0060 §7.1.1). */
export interface PublishRequest {
  node: string;
  id: string | undefined;
  payload: Element;
  /** publish-options fields (§7.1.5), when given. */
  options: ReadonlyMap<string, readonly string[]> | undefined;
}

/** The operations of one account's PEP service (XEP-0163 over XEP-0060). */
export class PepService {
  constructor(private readonly d: PepServiceDeps) {}

  get limits(): PepLimits {
    return this.d.limits;
  }

  /** The configuration a new node gets (XEP-0060 §8.3). */
  get defaults(): NodeConfig {
    return this.d.defaults;
  }

  async node(owner: Jid, node: string): Promise<StoredNode> {
    const found = await this.d.store.getNode(owner.local, owner.domain, node);
    // XEP-0060 §6.5.9.11 / §7.1.3.3: the node does not exist.
    if (!found) throw new StanzaError('item-not-found', { text: `no node ${node}` });
    return found;
  }

  async create(owner: Jid, node: string, fields?: ReadonlyMap<string, readonly string[]>) {
    const config = fields ? applyFields(this.d.defaults, fields, this.d.limits) : this.d.defaults;
    const r = await this.d.store.createNode(
      owner.local,
      owner.domain,
      node,
      config,
      this.d.limits.maxNodesPerUser,
    );
    // XEP-0060 §8.1.3: the node exists already.
    if (r === 'exists') throw new StanzaError('conflict', { text: `node ${node} exists` });
    if (r === 'limit') throw this.nodesLimit();
    return config;
  }

  /** XEP-0060 §7.1 with XEP-0163 §3 auto-create and §7.1.5 publish-options. */
  async publish(owner: Jid, publisher: Jid, req: PublishRequest): Promise<string> {
    const size = Buffer.byteLength(serialize(req.payload), 'utf8');
    if (size > this.d.limits.maxPayloadBytes) {
      // XEP-0060 §7.1.3.4: payload too big.
      throw pubsubError(
        'not-acceptable',
        'payload-too-big',
        `item payloads are limited to ${this.d.limits.maxPayloadBytes} bytes`,
      );
    }
    const config = await this.configForPublish(owner, req);
    const id = req.id ?? randomUUID();
    const item: StoredItem = {
      id,
      payload: serialize(req.payload),
      publisher: publisher.bareString(),
      publishedAt: Date.now(),
    };
    const keep = itemsKept(config, this.d.limits);
    if (keep > 0) await this.d.store.publish(owner.local, owner.domain, req.node, item, keep);
    const items = x(
      'items',
      NS_PUBSUB_EVENT,
      { node: req.node },
      this.eventItem(config, item, req.payload),
    );
    await this.d.notifier.notify(owner, req.node, config, items);
    return id;
  }

  private async configForPublish(owner: Jid, req: PublishRequest): Promise<NodeConfig> {
    const existing = await this.d.store.getNode(owner.local, owner.domain, req.node);
    if (existing) {
      if (req.options) checkPreconditions(existing.config, req.options, this.d.limits);
      return existing.config;
    }
    let config = this.d.defaults;
    if (req.options) {
      try {
        config = applyFields(this.d.defaults, req.options, this.d.limits);
      } catch (err) {
        if (!(err instanceof StanzaError)) throw err;
        throw pubsubError('conflict', 'precondition-not-met', err.text);
      }
    }
    const r = await this.d.store.createNode(
      owner.local,
      owner.domain,
      req.node,
      config,
      this.d.limits.maxNodesPerUser,
    );
    if (r === 'limit') throw this.nodesLimit();
    if (r === 'exists') return this.configForPublish(owner, req); // created meanwhile
    return config;
  }

  /** XEP-0060 §6.5: items of a node, after the access model allowed `who`. */
  async items(
    owner: Jid,
    who: Jid,
    node: string,
    opts: { ids?: readonly string[]; max?: number },
  ): Promise<Element[]> {
    const { config } = await this.node(owner, node);
    const denied = await accessDenied(this.d.roster, owner, who, config);
    if (denied) throw denied;
    const items = await this.d.store.getItems(owner.local, owner.domain, node, opts);
    return items.map((it) => this.itemElement(NS_PUBSUB, it));
  }

  /** XEP-0060 §7.2: deletes items; notifies retraction when asked (or notify_retract). */
  async retract(owner: Jid, node: string, ids: readonly string[], notify: boolean): Promise<void> {
    const { config } = await this.node(owner, node);
    const gone: string[] = [];
    for (const id of ids) {
      if (await this.d.store.retract(owner.local, owner.domain, node, id)) gone.push(id);
    }
    // §7.2.3.3: the item does not exist.
    if (gone.length === 0) throw new StanzaError('item-not-found', { text: 'no such item' });
    if (!notify) return;
    const items = x('items', NS_PUBSUB_EVENT, { node });
    for (const id of gone) items.append(x('retract', NS_PUBSUB_EVENT, { id }));
    await this.d.notifier.notify(owner, node, config, items);
  }

  async configure(owner: Jid, node: string, fields: ReadonlyMap<string, readonly string[]>) {
    const { config } = await this.node(owner, node);
    const next = applyFields(config, fields, this.d.limits);
    await this.d.store.setConfig(owner.local, owner.domain, node, next);
    await this.d.store.trim(owner.local, owner.domain, node, itemsKept(next, this.d.limits));
  }

  /** XEP-0060 §8.4: the node and its items go; subscribers learn it (notify_delete). */
  async delete(owner: Jid, node: string): Promise<void> {
    const { config } = await this.node(owner, node);
    await this.d.store.deleteNode(owner.local, owner.domain, node);
    if (config.notifyDelete) {
      await this.d.notifier.notify(owner, node, config, x('delete', NS_PUBSUB_EVENT, { node }));
    }
  }

  /** XEP-0060 §8.5: every item goes; subscribers get <purge/>. */
  async purge(owner: Jid, node: string): Promise<void> {
    const { config } = await this.node(owner, node);
    await this.d.store.purge(owner.local, owner.domain, node);
    if (config.notifyRetract) {
      await this.d.notifier.notify(owner, node, config, x('purge', NS_PUBSUB_EVENT, { node }));
    }
  }

  /** The nodes `who` may see (disco#items of the account, XEP-0163 / XEP-0030). */
  async visibleNodes(owner: Jid, who: Jid): Promise<StoredNode[]> {
    const out: StoredNode[] = [];
    for (const n of await this.d.store.listNodes(owner.local, owner.domain)) {
      if (!(await accessDenied(this.d.roster, owner, who, n.config))) out.push(n);
    }
    return out;
  }

  eventItem(config: NodeConfig, item: StoredItem, payload?: Element): Element {
    if (!config.deliverPayloads) return x('item', NS_PUBSUB_EVENT, { id: item.id });
    return this.itemElement(NS_PUBSUB_EVENT, item, payload);
  }

  itemElement(ns: string, item: StoredItem, payload?: Element): Element {
    const el = x('item', ns, { id: item.id, publisher: item.publisher });
    const body = payload
      ? [payload.clone()]
      : parseStoredXml(item.payload, item.payload.length * 2 + 1024);
    if (body) el.append(...body);
    return el;
  }

  private nodesLimit(): StanzaError {
    return new StanzaError('policy-violation', {
      text: `at most ${this.d.limits.maxNodesPerUser} PEP nodes per account`,
    });
  }
}

import { type Jid, tryParseJid } from '../../jid/index.ts';
import type { Logger } from '../../observability/logger.ts';
import type { Router } from '../../router/index.ts';
import type { SessionManager } from '../../sm/index.ts';
import { type Element, NS_CLIENT, x } from '../../xml/index.ts';
import type { RosterApi, SubscriptionFields } from './roster-api.ts';
import { pushItem } from './roster-push.ts';
import type { ItemUpdate, RosterItem, RosterStore, UpdateOutcome } from './roster-store.ts';
import { itemElement, removedItemElement } from './roster-xml.ts';
import { decodeStanza, encodeStanza } from './stanza-codec.ts';

export interface RosterDeps {
  store: RosterStore;
  sm: SessionManager;
  router: Router;
  log: Logger;
  maxItems: number;
  /** Whether pushes carry the roster version (XEP-0237). */
  versioning: boolean;
}

/** Roster operations shared by the IQ handler, the remove-user hook and mod_presence. */
export class RosterService implements RosterApi {
  constructor(private readonly d: RosterDeps) {}

  getItem(user: Jid, contact: Jid): Promise<RosterItem | undefined> {
    return this.d.store.getItem(user.local, user.domain, contact.toString());
  }

  async getItems(user: Jid): Promise<RosterItem[]> {
    return (await this.d.store.getRoster(user.local, user.domain)).items;
  }

  async getSubscribers(user: Jid): Promise<string[]> {
    const items = await this.getItems(user);
    return items
      .filter((i) => i.subscription === 'from' || i.subscription === 'both')
      .map((i) => i.jid);
  }

  async getSubscriptions(user: Jid): Promise<string[]> {
    const items = await this.getItems(user);
    return items
      .filter((i) => i.subscription === 'to' || i.subscription === 'both')
      .map((i) => i.jid);
  }

  /** Applies an update and pushes the result to interested resources when it changed. */
  async update(user: Jid, contact: string, fn: ItemUpdate): Promise<UpdateOutcome> {
    const out = await this.d.store.updateItem(user.local, user.domain, contact, fn, {
      maxItems: this.d.maxItems,
    });
    if (out.changed) {
      const el = out.after ? itemElement(out.after) : removedItemElement(contact);
      await pushItem(
        this.d.sm,
        this.d.router,
        user,
        el,
        this.d.versioning ? out.version : undefined,
      );
    }
    return out;
  }

  setSubscription(
    user: Jid,
    contact: Jid,
    next: (current: SubscriptionFields) => SubscriptionFields | undefined,
  ): Promise<UpdateOutcome> {
    const jid = contact.toString();
    return this.update(user, jid, (cur) => {
      const fields = next(cur ?? { subscription: 'none', askOut: false });
      if (!fields) return undefined;
      if (!cur && fields.subscription === 'none' && !fields.askOut) return undefined;
      return { jid, name: cur?.name, groups: cur?.groups ?? [], ...fields };
    });
  }

  addPendingIn(user: Jid, contact: Jid, request: Element, max: number): Promise<boolean> {
    const stanza = encodeStanza(request);
    return this.d.store.addPendingIn(user.local, user.domain, contact.toString(), stanza, { max });
  }

  removePendingIn(user: Jid, contact: Jid): Promise<boolean> {
    return this.d.store.removePendingIn(user.local, user.domain, contact.toString());
  }

  hasPendingIn(user: Jid, contact: Jid): Promise<boolean> {
    return this.d.store.hasPendingIn(user.local, user.domain, contact.toString());
  }

  async listPendingIn(user: Jid): Promise<{ contact: string; request: Element }[]> {
    const out: { contact: string; request: Element }[] = [];
    for (const p of await this.d.store.listPendingIn(user.local, user.domain)) {
      const request = decodeStanza(p.stanza);
      if (request) out.push({ contact: p.contact, request });
      else
        this.d.log.warn({
          what: 'roster_pending_unreadable',
          user: user.toString(),
          contact: p.contact,
        });
    }
    return out;
  }

  /**
   * RFC 6121 §2.5.2: removing an item cancels the subscriptions both ways (unsubscribe if the
   * user was subscribed or asked to be, unsubscribed if the contact was or asked to be), with
   * unavailable presence from the user's available resources to a former subscriber (§3.2.2).
   */
  async cancelSubscriptions(
    user: Jid,
    contact: string,
    item: RosterItem | undefined,
  ): Promise<void> {
    const to = tryParseJid(contact);
    if (!to) return;
    const pendingIn = await this.d.store.removePendingIn(user.local, user.domain, contact);
    const subscribed = item && (item.subscription === 'to' || item.subscription === 'both');
    const subscriber = item && (item.subscription === 'from' || item.subscription === 'both');
    if (subscribed || item?.askOut) await this.sendPresence(user, to, 'unsubscribe');
    if (subscriber || pendingIn) await this.sendPresence(user, to, 'unsubscribed');
    if (subscriber) {
      for (const s of this.d.sm.resources(user).filter((r) => r.available)) {
        const el = x('presence', NS_CLIENT, {
          from: s.jid.toString(),
          to: to.toString(),
          type: 'unavailable',
        });
        await this.d.router.route(el, s.jid, to);
      }
    }
  }

  private async sendPresence(user: Jid, to: Jid, type: string): Promise<void> {
    const el = x('presence', NS_CLIENT, { from: user.toString(), to: to.toString(), type });
    await this.d.router.route(el, user, to);
  }

  /** remove-user: cancels every subscription, then deletes the roster and pending requests. */
  async removeUser(user: Jid): Promise<void> {
    const { items } = await this.d.store.getRoster(user.local, user.domain);
    const pending = await this.d.store.listPendingIn(user.local, user.domain);
    for (const item of items) await this.cancelSubscriptions(user, item.jid, item);
    for (const p of pending) {
      if (!items.some((i) => i.jid === p.contact)) {
        await this.cancelSubscriptions(user, p.contact, undefined);
      }
    }
    await this.d.store.removeUser(user.local, user.domain);
  }
}

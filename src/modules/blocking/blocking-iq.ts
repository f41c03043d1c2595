import { randomUUID } from 'node:crypto';
import { StanzaError } from '../../errors/index.ts';
import type { HookBus } from '../../hooks/index.ts';
import type { IqRequest } from '../../iq/index.ts';
import { type Jid, tryParseJid } from '../../jid/index.ts';
import type { Router } from '../../router/index.ts';
import type { SessionManager } from '../../sm/index.ts';
import { type Element, NS_BLOCKING, NS_CLIENT, x } from '../../xml/index.ts';
import type { BlockingStore } from './blocking-store.ts';
import type { BlocklistCache } from './blocklist-cache.ts';
import { blockingState } from './session-state.ts';

export interface BlockingIqDeps {
  store: BlockingStore;
  cache: BlocklistCache;
  hooks: HookBus;
  router: Router;
  sm: SessionManager;
  maxItems: number;
}

/** urn:xmpp:blocking IQs of a user about their own blocklist (XEP-0191 §3.2-3.5). */
export async function handleBlockingIq(
  d: BlockingIqDeps,
  req: IqRequest,
): Promise<Element | undefined> {
  const user = req.to;
  if (req.from.bareString() !== user.bareString()) throw new StanzaError('forbidden');
  const { name } = req.payload;
  if (req.type === 'get') {
    if (name !== 'blocklist') throw new StanzaError('bad-request');
    if (req.session) blockingState(req.session).requested = true;
    const items = await d.store.list(user.local, user.domain);
    return x('blocklist', NS_BLOCKING, {}, ...items.map((jid) => x('item', NS_BLOCKING, { jid })));
  }
  if (name === 'block') await block(d, user, parseItems(req.payload, true));
  else if (name === 'unblock') await unblock(d, user, parseItems(req.payload, false));
  else throw new StanzaError('bad-request');
  return undefined;
}

function parseItems(payload: Element, needOne: boolean): string[] {
  const items = payload.getChildren('item', NS_BLOCKING);
  // XEP-0191 §3.3: a <block/> without <item/> is a bad request.
  if (needOne && items.length === 0) throw new StanzaError('bad-request');
  return items.map((item) => {
    const jid = tryParseJid(item.attrs.jid ?? '');
    if (!jid) throw new StanzaError('jid-malformed', { text: 'an item has an invalid jid' });
    return jid.toString();
  });
}

async function block(d: BlockingIqDeps, user: Jid, jids: string[]): Promise<void> {
  const current = new Set(await d.store.list(user.local, user.domain));
  const fresh = [...new Set(jids)].filter((j) => !current.has(j));
  if (current.size + fresh.length > d.maxItems) {
    throw new StanzaError('policy-violation', {
      text: `a blocklist holds at most ${d.maxItems} items`,
    });
  }
  // XEP-0191 §3.3: the contact gets unavailable presence, sent before the block takes effect
  // (afterwards our own filter would drop it).
  for (const jid of fresh) await sendPresence(d, user, jid, () => unavailable());
  await d.store.add(user.local, user.domain, jids);
  d.cache.invalidate(user.local, user.domain);
  push(d, user, x('block', NS_BLOCKING, {}, ...itemElements(jids)));
}

async function unblock(d: BlockingIqDeps, user: Jid, jids: string[]): Promise<void> {
  // XEP-0191 §3.5: an empty <unblock/> empties the whole list.
  const removed =
    jids.length === 0
      ? await d.store.clear(user.local, user.domain)
      : await d.store.remove(user.local, user.domain, jids);
  d.cache.invalidate(user.local, user.domain);
  push(d, user, x('unblock', NS_BLOCKING, {}, ...itemElements(jids)));
  // XEP-0191 §3.4: the contact gets the user's current presence again.
  for (const jid of removed) {
    await sendPresence(d, user, jid, (state) => state?.clone() ?? x('presence', NS_CLIENT));
  }
}

function itemElements(jids: string[]): Element[] {
  return jids.map((jid) => x('item', NS_BLOCKING, { jid }));
}

function unavailable(): Element {
  return x('presence', NS_CLIENT, { type: 'unavailable' });
}

/** XEP-0191 §3.3-3.5: to every resource that requested the blocklist. */
function push(d: BlockingIqDeps, user: Jid, payload: Element): void {
  for (const s of d.sm.resources(user.bare())) {
    if (!blockingState(s).requested) continue;
    s.send(
      x(
        'iq',
        NS_CLIENT,
        { type: 'set', id: `push-${randomUUID()}`, to: s.jid.toString() },
        payload,
      ),
    );
  }
}

/**
 * Presence from each available resource of `user` to a contact that may receive it (RFC 6121
 * §4: subscription from/both; without a roster module there is no subscription to consult).
 * Only accounts get presence: a blocked domain has no one to tell.
 */
async function sendPresence(
  d: BlockingIqDeps,
  user: Jid,
  contactStr: string,
  make: (last: Element | undefined) => Element,
): Promise<void> {
  const contact = tryParseJid(contactStr);
  if (!contact || contact.local === '') return;
  const sessions = d.sm.resources(user.bare()).filter((s) => s.available);
  if (sessions.length === 0) return;
  if (d.hooks.has('roster-get-subscription')) {
    const sub = await d.hooks.run('roster-get-subscription', 'none', {
      user: user.bare(),
      contact: contact.bare(),
    });
    if (sub.acc !== 'from' && sub.acc !== 'both') return;
  }
  for (const s of sessions) {
    const presence = make(blockingState(s).presence);
    presence.setAttr('from', s.jid.toString());
    presence.setAttr('to', contact.toString());
    await d.router.route(presence, s.jid, contact);
  }
}

import { errorReply, StanzaError } from '../../errors/index.ts';
import type { SessionRef } from '../../hooks/index.ts';
import type { Jid } from '../../jid/index.ts';
import type { Logger } from '../../observability/logger.ts';
import { type Element, NS_CLIENT, x } from '../../xml/index.ts';
import { RosterFullError } from '../roster/roster-api.ts';
import { type BroadcastDeps, sendCurrentPresence, sendUnavailable } from './broadcast.ts';
import {
  hasFrom,
  type InboundResult,
  inbound,
  type OutboundResult,
  outbound,
  type SubState,
  type SubscriptionType,
  same,
} from './subscription.ts';

export interface SubscriptionDeps extends BroadcastDeps {
  log: Logger;
  /** Most stored pending requests per user (each stranger can add one). */
  maxPending: number;
}

/**
 * Runs one transition on the stored state: the roster item (atomically) and the pending-in
 * record. Returns the state before and the transition's result.
 */
async function transition<R extends { next: SubState }>(
  d: SubscriptionDeps,
  user: Jid,
  contact: Jid,
  step: (s: SubState) => R,
): Promise<{ before: SubState; result: R }> {
  const pendingIn = await d.roster.hasPendingIn(user, contact);
  let before: SubState = { sub: 'none', out: false, in: pendingIn };
  let result = step(before);
  await d.roster.setSubscription(user, contact, (cur) => {
    before = { sub: cur.subscription, out: cur.askOut, in: pendingIn };
    result = step(before);
    const n = result.next;
    if (n.sub === before.sub && n.out === before.out) return undefined;
    return { subscription: n.sub, askOut: n.out };
  });
  if (before.in && !result.next.in) await d.roster.removePendingIn(user, contact);
  return { before, result };
}

/**
 * RFC 6121 §3.1.2, §3.2.2, §3.3.2, §3.4: a subscription stanza the user sends. The server stamps
 * the bare JIDs, updates and pushes the user's roster, then routes it to the contact.
 */
export async function handleOutbound(
  d: SubscriptionDeps,
  session: SessionRef,
  stanza: Element,
  user: Jid,
  contact: Jid,
  type: SubscriptionType,
): Promise<void> {
  stanza.setAttr('from', user.toString());
  stanza.setAttr('to', contact.toString());
  let outcome: { before: SubState; result: OutboundResult };
  try {
    outcome = await transition(d, user, contact, (s) => outbound(s, type));
  } catch (err) {
    if (!(err instanceof RosterFullError)) throw err;
    const reply = errorReply(stanza, new StanzaError('not-allowed', { text: err.message }));
    reply.setAttr('to', session.jid?.toString());
    session.send(reply);
    return;
  }
  const { before, result } = outcome;
  if (!result.route) return;
  await d.router.route(stanza, user, contact);
  if (type === 'subscribed' && !same(before, result.next)) {
    await sendCurrentPresence(d, user, contact);
  }
  if (type === 'unsubscribed' && hasFrom(before.sub)) await sendUnavailable(d, user, contact);
}

/** RFC 6121 §3.1.3, §3.2.3, §3.3.3: a subscription stanza arriving for a local user. */
export async function handleInbound(
  d: SubscriptionDeps,
  stanza: Element,
  user: Jid,
  contact: Jid,
  type: SubscriptionType,
): Promise<void> {
  stanza.setAttr('from', contact.toString());
  stanza.setAttr('to', user.toString());
  const { before, result } = await transition(d, user, contact, (s) => inbound(s, type));
  if (result.autoReply) {
    const reply = x('presence', NS_CLIENT, {
      from: user.toString(),
      to: contact.toString(),
      type: result.autoReply,
    });
    await d.router.route(reply, user, contact);
    return;
  }
  if (type === 'subscribe') await storePending(d, stanza, user, contact);
  if (type === 'unsubscribe' && hasFrom(before.sub)) await sendUnavailable(d, user, contact);
  if (result.deliver) await deliverToAvailable(d, user, stanza);
}

/** RFC 6121 §3.1.3: a request waits, durably, until the user answers it. */
async function storePending(d: SubscriptionDeps, stanza: Element, user: Jid, contact: Jid) {
  const stored = await d.roster.addPendingIn(user, contact, stanza, d.maxPending);
  if (!stored) {
    d.log.warn({
      what: 'presence_pending_limit',
      user: user.toString(),
      contact: contact.toString(),
    });
  }
}

async function deliverToAvailable(d: SubscriptionDeps, user: Jid, stanza: Element) {
  // router.resources: this node's sessions and, in a cluster, those on other nodes.
  const targets = d.router.resources(user).filter((s) => s.available);
  for (const s of targets) await s.deliver(stanza.clone());
}

export type { InboundResult };

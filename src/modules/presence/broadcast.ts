import type { SessionRef } from '../../hooks/index.ts';
import { type Jid, tryParseJid } from '../../jid/index.ts';
import type { Router } from '../../router/index.ts';
import type { SessionManager } from '../../sm/index.ts';
import { type Element, NS_CLIENT, x } from '../../xml/index.ts';
import type { RosterApi } from '../roster/roster-api.ts';
import { knownPresences, lastPresence, sessionPresence } from './session-presence.ts';

export interface BroadcastDeps {
  roster: RosterApi;
  router: Router;
  sm: SessionManager;
}

/** Sends a copy of `presence` (from `from`) to each JID in `targets`. */
async function sendAll(d: BroadcastDeps, presence: Element, from: Jid, targets: Iterable<string>) {
  for (const t of targets) {
    const to = tryParseJid(t);
    if (!to) continue;
    const copy = presence.clone();
    copy.setAttr('from', from.toString());
    copy.setAttr('to', to.toString());
    await d.router.route(copy, from, to);
  }
}

/** Delivers a copy of `presence` to each available resource of the sender's own account. */
async function toOwnResources(d: BroadcastDeps, presence: Element, from: Jid) {
  // router.resources: this node's sessions and, in a cluster, those on other nodes.
  for (const s of d.router.resources(from.bare()).filter((r) => r.available)) {
    const copy = presence.clone();
    copy.setAttr('from', from.toString());
    copy.setAttr('to', s.jid.toString());
    await s.deliver(copy);
  }
}

/**
 * RFC 6121 §4.2.2 / §4.4.2: available presence goes to the subscribers (from/both) and to the
 * user's available resources, the sender included. On initial presence the server also probes
 * the contacts the user subscribes to (§4.3.1) and tells the new resource about its siblings.
 */
export async function broadcastAvailable(
  d: BroadcastDeps,
  session: SessionRef,
  presence: Element,
): Promise<void> {
  const jid = session.jid;
  if (!jid) return;
  const st = sessionPresence(session);
  const initial = st.last === undefined;
  st.last = presence.clone();
  const user = jid.bare();
  await sendAll(d, presence, jid, await d.roster.getSubscribers(user));
  await toOwnResources(d, presence, jid);
  if (!initial) return;
  const probe = x('presence', NS_CLIENT, { type: 'probe' });
  await sendAll(d, probe, jid, await d.roster.getSubscriptions(user));
  const me = d.sm.get(jid);
  if (!me) return;
  for (const other of knownPresences(d, user)) {
    if (other.jid.equals(jid)) continue;
    const copy = other.last.clone();
    copy.setAttr('from', other.jid.toString());
    copy.setAttr('to', jid.toString());
    await me.deliver(copy);
  }
}

/**
 * RFC 6121 §4.5.2 and §4.6.3: unavailable presence goes to the subscribers, the user's other
 * available resources, and every entity that got directed presence and is not a subscriber.
 */
export async function broadcastUnavailable(
  d: BroadcastDeps,
  session: SessionRef,
  presence: Element,
): Promise<void> {
  const jid = session.jid;
  if (!jid) return;
  const st = sessionPresence(session);
  st.last = undefined;
  const subscribers = await d.roster.getSubscribers(jid.bare());
  const covered = new Set(subscribers);
  const directed = [...st.directed].filter((t) => {
    const to = tryParseJid(t);
    return (
      to !== undefined && !covered.has(to.bareString()) && to.bareString() !== jid.bareString()
    );
  });
  st.directed.clear();
  await sendAll(d, presence, jid, [...subscribers, ...directed]);
  await toOwnResources(d, presence, jid);
}

/** RFC 6121 §3.1.5: after approving a request, the contact gets the user's current presence. */
export async function sendCurrentPresence(d: BroadcastDeps, user: Jid, contact: Jid) {
  for (const { jid, last } of knownPresences(d, user)) {
    await sendAll(d, last, jid, [contact.toString()]);
  }
}

/** RFC 6121 §3.2.2 / §3.3.3: a former subscriber gets unavailable from each available resource. */
export async function sendUnavailable(d: BroadcastDeps, user: Jid, contact: Jid) {
  const unavailable = x('presence', NS_CLIENT, { type: 'unavailable' });
  for (const { jid } of knownPresences(d, user)) {
    await sendAll(d, unavailable, jid, [contact.toString()]);
  }
}

/**
 * A resource of a dead cluster node was purged: its subscribers and the user's other resources
 * see it go unavailable, as if its session had closed (RFC 6121 §4.5.2).
 */
export async function broadcastPurged(d: BroadcastDeps, jid: Jid): Promise<void> {
  const unavailable = x('presence', NS_CLIENT, { type: 'unavailable' });
  await sendAll(d, unavailable, jid, await d.roster.getSubscribers(jid.bare()));
  await toOwnResources(d, unavailable, jid);
}

/**
 * A live session that other cluster nodes had purged (and told its subscribers it went
 * unavailable) is registered again: the subscribers get its last available presence again
 * (RFC 6121 §4.4.2). No probes (its contacts' presence still reached this node's session).
 */
export async function broadcastRestored(d: BroadcastDeps, session: SessionRef): Promise<void> {
  const jid = session.jid;
  const last = lastPresence(session);
  if (!jid || !last) return;
  await sendAll(d, last, jid, await d.roster.getSubscribers(jid.bare()));
}

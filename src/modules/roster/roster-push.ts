import { randomUUID } from 'node:crypto';
import type { SessionRef } from '../../hooks/index.ts';
import type { Jid } from '../../jid/index.ts';
import type { Router } from '../../router/index.ts';
import type { SessionManager } from '../../sm/index.ts';
import { type Element, NS_CLIENT, NS_ROSTER, x } from '../../xml/index.ts';

/** Key of mod_roster's per-session data. */
const SESSION_KEY = 'mod_roster';

interface RosterSessionData {
  interested: boolean;
}

/** RFC 6121 §2.2: a resource that requested the roster is "interested" and gets pushes. */
export function markInterested(session: SessionRef): void {
  session.data.set(SESSION_KEY, { interested: true } satisfies RosterSessionData);
}

function isInterested(session: SessionRef): boolean {
  const d = session.data.get(SESSION_KEY) as RosterSessionData | undefined;
  return d?.interested === true;
}

/**
 * A push another node forwarded here (it carries `from` = the user's bare JID, RFC 6121
 * §2.1.6, so it can travel between nodes): only an interested resource may receive it. A client
 * cannot forge this: `from` of client stanzas is stamped with their full JID.
 */
export function isPushForUninterested(stanza: Element, session: SessionRef, to: Jid): boolean {
  if (stanza.name !== 'iq' || stanza.attrs.type !== 'set') return false;
  if (stanza.attrs.from !== to.bareString()) return false;
  if (!stanza.getChild('query', NS_ROSTER)) return false;
  return !isInterested(session);
}

function push(to: Jid, item: Element, version: number | undefined, from?: string): Element {
  return x(
    'iq',
    NS_CLIENT,
    { type: 'set', id: `push-${randomUUID()}`, to: to.toString(), from },
    x(
      'query',
      NS_ROSTER,
      { ver: version === undefined ? undefined : String(version) },
      item.clone(),
    ),
  );
}

/**
 * RFC 6121 §2.1.6: sends a roster push of one item to every interested resource of `user`,
 * on this node and, in a cluster, on the others (whose node checks interest on arrival).
 */
export async function pushItem(
  sm: SessionManager,
  router: Router,
  user: Jid,
  item: Element,
  version: number | undefined,
): Promise<void> {
  const local = sm.resources(user);
  const localJids = new Set(local.map((s) => s.jid.toString()));
  const remote = router.resources(user).filter((t) => !localJids.has(t.jid.toString()));
  await Promise.all([
    ...local.filter(isInterested).map((s) => s.deliver(push(s.jid, item, version))),
    ...remote.map((t) => t.deliver(push(t.jid, item, version, user.bareString()))),
  ]);
}

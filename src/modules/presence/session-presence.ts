import type { SessionRef } from '../../hooks/index.ts';
import type { Jid } from '../../jid/index.ts';
import type { Router } from '../../router/index.ts';
import type { SessionManager } from '../../sm/index.ts';
import type { Element } from '../../xml/index.ts';

/** Key of mod_presence's per-session data. */
const SESSION_KEY = 'mod_presence';

/** Directed presence recipients remembered per session (RFC 6121 §4.6.3); oldest dropped. */
export const MAX_DIRECTED = 1000;

/** What mod_presence remembers about one session. */
export interface SessionPresence {
  /** The last available presence broadcast (RFC 6121 §4.4); undefined while unavailable. */
  last: Element | undefined;
  /** Full/bare JIDs that got directed available presence and not yet unavailable (§4.6). */
  readonly directed: Set<string>;
}

export function sessionPresence(session: SessionRef): SessionPresence {
  let st = session.data.get(SESSION_KEY) as SessionPresence | undefined;
  if (!st) {
    st = { last: undefined, directed: new Set() };
    session.data.set(SESSION_KEY, st);
  }
  return st;
}

/** The last available presence of a session, if it is available. */
export function lastPresence(session: SessionRef): Element | undefined {
  return (session.data.get(SESSION_KEY) as SessionPresence | undefined)?.last;
}

export function rememberDirected(st: SessionPresence, to: string): void {
  st.directed.delete(to);
  if (st.directed.size >= MAX_DIRECTED) {
    const oldest = st.directed.values().next().value;
    if (oldest !== undefined) st.directed.delete(oldest);
  }
  st.directed.add(to);
}

/**
 * The last available presence of each of a user's resources, on this node (session data) and
 * on other cluster nodes (the registry carries it), for probes and sibling notifications.
 */
export function knownPresences(
  d: { sm: SessionManager; router: Router },
  user: Jid,
): { jid: Jid; last: Element }[] {
  const out: { jid: Jid; last: Element }[] = [];
  for (const t of d.router.resources(user.bare())) {
    const local = d.sm.get(t.jid);
    const last = local ? lastPresence(local) : t.lastPresence?.();
    if (last) out.push({ jid: t.jid, last });
  }
  return out;
}

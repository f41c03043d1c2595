import { randomUUID } from 'node:crypto';
import type { SessionRef } from '../../hooks/index.ts';
import type { Jid } from '../../jid/index.ts';
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

/** RFC 6121 §2.1.6: sends a roster push of one item to every interested resource of `user`. */
export async function pushItem(
  sm: SessionManager,
  user: Jid,
  item: Element,
  version: number | undefined,
): Promise<void> {
  const targets = sm.resources(user).filter(isInterested);
  await Promise.all(
    targets.map((s) =>
      s.deliver(
        x(
          'iq',
          NS_CLIENT,
          { type: 'set', id: `push-${randomUUID()}`, to: s.jid.toString() },
          x(
            'query',
            NS_ROSTER,
            { ver: version === undefined ? undefined : String(version) },
            item.clone(),
          ),
        ),
      ),
    ),
  );
}

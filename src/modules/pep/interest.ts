import type { SessionRef } from '../../hooks/index.ts';
import type { RouteTarget } from '../../router/index.ts';
import type { SessionManager } from '../../sm/index.ts';
import type { Element } from '../../xml/index.ts';
import type { CapsCache } from './caps-cache.ts';
import { type Caps, capsOf } from './caps-ver.ts';

/** Key of mod_pep's per-session data. */
const SESSION_KEY = 'mod_pep';

/** What mod_pep remembers of a local session: the caps of its last broadcast presence. */
interface SessionCaps {
  caps: Caps | undefined;
}

/** Records the caps a local session advertises (XEP-0115 §4); returns whether they changed. */
export function rememberCaps(session: SessionRef, presence: Element): boolean {
  const caps = capsOf(presence);
  const st = session.data.get(SESSION_KEY) as SessionCaps | undefined;
  const before = st?.caps;
  session.data.set(SESSION_KEY, { caps });
  return before?.ver !== caps?.ver || before?.hash !== caps?.hash;
}

export function sessionCaps(session: SessionRef): Caps | undefined {
  return (session.data.get(SESSION_KEY) as SessionCaps | undefined)?.caps;
}

/**
 * XEP-0163 §4.3.2 (filtered notifications): which resources want events of a node, from the
 * `<node>+notify` feature of their entity capabilities.
 */
export class Interest {
  constructor(
    private readonly sm: SessionManager,
    private readonly caps: CapsCache,
  ) {}

  /** The caps of a resource: a local session's own record, or its presence in the registry. */
  capsOf(target: RouteTarget): { caps: Caps | undefined; local: boolean } {
    const local = this.sm.get(target.jid);
    if (local) return { caps: sessionCaps(local), local: true };
    const presence = target.lastPresence?.();
    return { caps: presence ? capsOf(presence) : undefined, local: false };
  }

  /** Whether `target` asked for notifications of `node` (unknown caps: no). */
  async wants(target: RouteTarget, node: string): Promise<boolean> {
    const { caps, local } = this.capsOf(target);
    if (!caps) return false;
    const features = this.caps.known(caps) ?? (await this.caps.features(caps, target.jid, local));
    return features?.has(`${node}+notify`) ?? false;
  }
}

/** An unavailable session forgets its caps: its next available presence is "new" again. */
export function forgetCaps(session: SessionRef): void {
  session.data.delete(SESSION_KEY);
}

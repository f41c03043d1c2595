import type { SessionRef } from '../../hooks/index.ts';
import type { Element } from '../../xml/index.ts';

/** What mod_blocking keeps per session (in SessionRef.data under its module id). */
export interface BlockingSessionState {
  /** XEP-0191 §3.2-3.5: pushes go to the resources that asked for the blocklist. */
  requested: boolean;
  /** The last presence broadcast, re-sent to a contact when it is unblocked (§3.4). */
  presence: Element | undefined;
}

const KEY = 'mod_blocking';

export function blockingState(session: SessionRef): BlockingSessionState {
  let state = session.data.get(KEY) as BlockingSessionState | undefined;
  if (!state) {
    state = { requested: false, presence: undefined };
    session.data.set(KEY, state);
  }
  return state;
}

import {
  type Element,
  NS_CHATSTATES,
  NS_CLIENT,
  NS_HINTS,
  NS_MSGOFFLINE,
} from '../../xml/index.ts';

/**
 * What to do with a message for a user who has no available resource:
 * - 'store': keep it for the next available presence;
 * - 'drop': discard it quietly (standalone chat states: XEP-0160 §4, XEP-0085);
 * - 'refuse': not ours to keep; the router answers service-unavailable (RFC 6121 §8.5.2.2.1).
 */
export type OfflineDecision = 'store' | 'drop' | 'refuse';

/** XEP-0160 §4 (handling of message types) with the XEP-0334 store / no-store hints. */
export function offlineDecision(msg: Element): OfflineDecision {
  const type = msg.attrs.type ?? 'normal';
  if (type !== 'normal' && type !== 'chat') return 'refuse';
  // XEP-0013 flexible offline retrieval markers are never stored again.
  if (msg.getChild('offline', NS_MSGOFFLINE)) return 'refuse';
  if (msg.getChild('no-store', NS_HINTS)) return 'refuse';
  if (msg.getChild('store', NS_HINTS)) return 'store';
  if (msg.getChild('body', NS_CLIENT) !== undefined) return 'store';
  if (isStandaloneChatState(msg)) return 'drop';
  return 'refuse';
}

/** Only XEP-0085 content (plus an optional thread): nothing a later reader needs. */
function isStandaloneChatState(msg: Element): boolean {
  const children = msg.elements();
  const states = children.filter((c) => c.ns === NS_CHATSTATES);
  return (
    states.length > 0 &&
    children.every((c) => c.ns === NS_CHATSTATES || (c.name === 'thread' && c.ns === NS_CLIENT))
  );
}

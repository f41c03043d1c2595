import type { Jid } from '../../jid/index.ts';
import {
  type Element,
  NS_CARBONS,
  NS_CLIENT,
  NS_FORWARD,
  NS_HINTS,
  NS_MUC_USER,
  x,
} from '../../xml/index.ts';

/**
 * XEP-0280 §6 (suggested rules): chat messages, and normal messages with a body, are eligible;
 * errors, headlines and groupchat are not. Excluded too: messages marked <private/> (§7) or with
 * the XEP-0334 <no-copy/> hint, MUC traffic (§6: private messages from MUC participants), and
 * carbon copies themselves (no copies of copies).
 */
export function carbonsEligible(msg: Element): boolean {
  if (msg.name !== 'message') return false;
  const type = msg.attrs.type ?? 'normal';
  if (type !== 'chat' && !(type === 'normal' && msg.getChild('body', NS_CLIENT))) return false;
  if (isPrivate(msg)) return false;
  if (msg.getChild('x', NS_MUC_USER)) return false;
  return !isCarbonCopy(msg);
}

/** XEP-0280 §7 <private/>, or the XEP-0334 §4.3 <no-copy/> hint. */
export function isPrivate(msg: Element): boolean {
  return (
    msg.getChild('private', NS_CARBONS) !== undefined ||
    msg.getChild('no-copy', NS_HINTS) !== undefined
  );
}

/** A message that wraps a <sent/> or <received/> copy. */
export function isCarbonCopy(msg: Element): boolean {
  return (
    msg.getChild('sent', NS_CARBONS) !== undefined ||
    msg.getChild('received', NS_CARBONS) !== undefined
  );
}

/**
 * XEP-0280 §6/§8: the copy keeps the original's type, comes from the user's bare JID, goes to
 * the resource's full JID and wraps the original in XEP-0297 <forwarded/>.
 */
export function carbonCopy(
  direction: 'sent' | 'received',
  original: Element,
  user: Jid,
  to: Jid,
): Element {
  return x(
    'message',
    NS_CLIENT,
    { from: user.bareString(), to: to.toString(), type: original.attrs.type },
    x(direction, NS_CARBONS, {}, x('forwarded', NS_FORWARD, {}, original.clone())),
  );
}

/** XEP-0280 §7: the receiving server SHOULD remove <private/> before delivery. */
export function withoutPrivate(msg: Element): Element {
  if (!msg.getChild('private', NS_CARBONS)) return msg;
  return msg.clone().removeChildren((c) => c.name === 'private' && c.ns === NS_CARBONS);
}

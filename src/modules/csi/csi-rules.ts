import {
  type Element,
  NS_CARBONS,
  NS_CHATSTATES,
  NS_DELAY,
  NS_FORWARD,
  NS_HINTS,
  NS_MAM,
  NS_SID,
} from '../../xml/index.ts';

/**
 * What CSI does with a stanza for an inactive client (XEP-0352 §1 leaves the rules to the
 * server; these follow Prosody's mod_csi_simple and MongooseIM's mod_csi):
 * - `urgent`: delivered now, after everything queued (so order is kept);
 * - `presence`: queued, only the latest per sender full JID kept;
 * - `chat-state`: a message carrying only a chat state (XEP-0085), dropped or queued by option,
 *   only the latest per sender full JID kept;
 * - `deferrable`: queued as is (receipts, markers, PEP events: nothing a user waits for).
 */
export type CsiClass =
  | { kind: 'urgent' }
  | { kind: 'presence'; key: string }
  | { kind: 'chat-state'; key: string }
  | { kind: 'deferrable' };

const URGENT: CsiClass = { kind: 'urgent' };
const DEFERRABLE: CsiClass = { kind: 'deferrable' };

/** RFC 6121 §4.7.1: subscription handling and errors need the user, not the roster view. */
const BROADCAST_PRESENCE = new Set([undefined, 'unavailable']);

/** Namespaces of children that, alone, make a message worth waking the phone for. */
const URGENT_NS = new Set([
  'eu.siacs.conversations.axolotl', // OMEMO (XEP-0384 legacy)
  'urn:xmpp:omemo:2', // OMEMO 2
  'urn:xmpp:openpgp:0', // XEP-0373
  'jabber:x:encrypted', // XEP-0027
  'urn:xmpp:jingle-message:0', // XEP-0353 call proposals
  'jabber:x:conference', // XEP-0249 invitations
]);

/** Children that ride along a chat state without adding anything for the user. */
const NOISE_NS = new Set([NS_CHATSTATES, NS_DELAY, NS_HINTS, NS_SID]);

export function classify(el: Element): CsiClass {
  if (el.name === 'iq') return URGENT;
  const from = el.attrs.from ?? '';
  if (el.name === 'presence') {
    return BROADCAST_PRESENCE.has(el.attrs.type) ? { kind: 'presence', key: `p ${from}` } : URGENT;
  }
  if (el.name !== 'message') return URGENT;
  return classifyMessage(el, from);
}

function classifyMessage(el: Element, from: string): CsiClass {
  if (el.attrs.type === 'error') return URGENT;
  const children = el.elements();
  let chatState = false;
  let noiseOnly = true;
  for (const c of children) {
    if (c.name === 'body' || c.name === 'subject') return URGENT;
    if (URGENT_NS.has(c.ns)) return URGENT;
    // A MUC mediated invitation (XEP-0045 §7.8.2).
    if (c.name === 'x' && c.getChild('invite', c.ns) !== undefined) return URGENT;
    // Archive results answer the client's own query (XEP-0313 §4): it is waiting for them.
    if (c.ns === NS_MAM) return URGENT;
    // A carbon copy (XEP-0280 §6) counts as the message it carries.
    if (c.ns === NS_CARBONS && (c.name === 'received' || c.name === 'sent')) {
      const inner = c.getChild('forwarded', NS_FORWARD)?.getChild('message');
      if (inner) {
        const k = classifyMessage(inner, from);
        return k.kind === 'chat-state'
          ? { kind: 'chat-state', key: `c ${from} ${inner.attrs.from ?? ''}` }
          : k;
      }
      continue;
    }
    if (c.ns === NS_CHATSTATES) chatState = true;
    else if (!NOISE_NS.has(c.ns) && c.name !== 'thread') noiseOnly = false;
  }
  if (chatState && noiseOnly) return { kind: 'chat-state', key: `c ${from}` };
  return DEFERRABLE;
}

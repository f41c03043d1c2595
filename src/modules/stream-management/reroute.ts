import { StanzaError } from '../../errors/index.ts';
import { type Jid, tryParseJid } from '../../jid/index.ts';
import type { Logger } from '../../observability/logger.ts';
import type { Router } from '../../router/index.ts';
import { type Element, NS_MAM } from '../../xml/index.ts';

const NS_CARBONS = 'urn:xmpp:carbons:2';

/**
 * Stanzas a session ended with unacknowledged (XEP-0198 §5: the server treats them as not
 * delivered). The session is already unbound, so the router sends messages on per RFC 6121
 * §8.5.3.2.1: another resource of the user, else offline storage, else an error to the sender.
 * Unanswered IQ requests bounce; presence is dropped (a fresh probe gets it again).
 */
export async function rerouteUnacked(
  router: Router,
  owner: Jid,
  stanzas: readonly Element[],
  log: Logger,
): Promise<number> {
  let rerouted = 0;
  for (const stanza of stanzas) {
    const from = tryParseJid(stanza.attrs.from ?? '');
    if (!from) continue;
    const to = tryParseJid(stanza.attrs.to ?? '') ?? owner;
    const type = stanza.attrs.type;
    try {
      if (stanza.name === 'message' && worthRerouting(stanza, type)) {
        await router.route(stanza, from, to);
        rerouted++;
      } else if (stanza.name === 'iq' && (type === 'get' || type === 'set')) {
        await router.bounce(stanza, from, to, new StanzaError('service-unavailable'));
      }
    } catch (err) {
      log.warn({ what: 'sm_reroute_failed', jid: owner.toString(), err });
    }
  }
  return rerouted;
}

/**
 * Errors, groupchat (the room would see a bounce as the occupant leaving) and headlines are not
 * stored; carbon copies and archive results are copies of messages kept elsewhere.
 */
function worthRerouting(msg: Element, type: string | undefined): boolean {
  if (type === 'error' || type === 'groupchat' || type === 'headline') return false;
  for (const child of msg.elements()) {
    if (child.ns === NS_CARBONS || (child.ns === NS_MAM && child.name === 'result')) return false;
  }
  return true;
}

import type { Jid } from '../../jid/index.ts';
import { NS_CLIENT, x } from '../../xml/index.ts';
import type { BroadcastDeps } from './broadcast.ts';
import { knownPresences } from './session-presence.ts';
import { hasFrom } from './subscription.ts';

/**
 * RFC 6121 §4.3.2: the server answers a probe for a local user. A subscriber (from/both) gets
 * the last available presence of each available resource, or unavailable from the bare JID
 * when there is none; anyone else learns nothing but 'unsubscribed'.
 */
export async function answerProbe(d: BroadcastDeps, user: Jid, prober: Jid): Promise<void> {
  const own = prober.bareString() === user.bareString();
  const item = own ? undefined : await d.roster.getItem(user, prober.bare());
  if (!own && !(item && hasFrom(item.subscription))) {
    const reply = x('presence', NS_CLIENT, {
      from: user.toString(),
      to: prober.bareString(),
      type: 'unsubscribed',
    });
    await d.router.route(reply, user, prober.bare());
    return;
  }
  let answered = false;
  for (const { jid, last } of knownPresences(d, user)) {
    answered = true;
    const copy = last.clone();
    copy.setAttr('from', jid.toString());
    copy.setAttr('to', prober.toString());
    await d.router.route(copy, jid, prober);
  }
  if (!answered) {
    const reply = x('presence', NS_CLIENT, {
      from: user.toString(),
      to: prober.toString(),
      type: 'unavailable',
    });
    await d.router.route(reply, user, prober);
  }
}

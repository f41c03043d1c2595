import { randomBytes } from 'node:crypto';
import type { Jid } from '../../jid/index.ts';
import {
  type Element,
  NS_CLIENT,
  NS_DELAY,
  NS_FORWARD,
  NS_MAM,
  NS_RSM,
  x,
} from '../../xml/index.ts';
import type { ArchivedMessage, MamPage } from './mam-store.ts';

/**
 * XEP-0313 §4.2: one result message per archived message, the original wrapped in XEP-0297
 * <forwarded/> with the XEP-0203 <delay/> of when the server archived it.
 */
export function resultMessage(
  item: ArchivedMessage,
  original: Element,
  queryId: string | undefined,
  archive: Jid,
  to: Jid,
): Element {
  return x(
    'message',
    NS_CLIENT,
    { from: archive.bareString(), to: to.toString(), id: randomBytes(6).toString('hex') },
    x(
      'result',
      NS_MAM,
      { queryid: queryId, id: item.id },
      x(
        'forwarded',
        NS_FORWARD,
        {},
        x('delay', NS_DELAY, { stamp: new Date(item.createdAt).toISOString() }),
        original,
      ),
    ),
  );
}

/** XEP-0313 §4.3: <fin/> with the RSM set of the page (XEP-0059 §2.6 first/last/count). */
export function finElement(page: MamPage): Element {
  const first = page.messages[0];
  const last = page.messages[page.messages.length - 1];
  return x(
    'fin',
    NS_MAM,
    { complete: page.complete ? 'true' : undefined },
    x(
      'set',
      NS_RSM,
      {},
      first && x('first', NS_RSM, { index: String(page.firstIndex ?? 0) }, first.id),
      last && x('last', NS_RSM, {}, last.id),
      x('count', NS_RSM, {}, String(page.count)),
    ),
  );
}

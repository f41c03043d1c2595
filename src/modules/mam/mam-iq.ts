import { StanzaError } from '../../errors/index.ts';
import type { IqRequest } from '../../iq/index.ts';
import type { Logger } from '../../observability/logger.ts';
import type { Router } from '../../router/index.ts';
import type { Element } from '../../xml/index.ts';
import type { MamArchiver } from './mam-archive.ts';
import { parsePrefs, prefsElement } from './mam-prefs.ts';
import { type PageLimits, parseMamQuery, queryForm } from './mam-query.ts';
import { finElement, resultMessage } from './mam-results.ts';
import type { MamStore } from './mam-store.ts';
import { decodeStanza } from './stored-stanza.ts';

export interface MamIqDeps {
  store: MamStore;
  archiver: MamArchiver;
  router: Router;
  log: Logger;
  limits: PageLimits;
}

/** urn:xmpp:mam:2 IQs addressed to an account: queries (§4), the form (§4.1.4), prefs (§7). */
export async function handleMamIq(d: MamIqDeps, req: IqRequest): Promise<Element | undefined> {
  // A user archive is readable by its owner only.
  if (req.from.bareString() !== req.to.bareString()) throw new StanzaError('forbidden');
  const { name } = req.payload;
  if (name === 'query') return req.type === 'get' ? queryForm() : runQuery(d, req);
  if (name === 'prefs') {
    const user = req.to.bare();
    if (req.type === 'get') return prefsElement(await d.archiver.prefsOf(user));
    const prefs = parsePrefs(req.payload);
    await d.store.setPrefs(user.local, user.domain, prefs);
    d.archiver.forgetPrefs(user);
    return prefsElement(prefs);
  }
  throw new StanzaError('feature-not-implemented');
}

/**
 * §4: the matching messages go to the requesting resource one by one, in order, before the
 * IQ result carrying <fin/> (which the dispatcher sends after this returns).
 */
async function runQuery(d: MamIqDeps, req: IqRequest): Promise<Element> {
  const query = parseMamQuery(req.payload, d.limits);
  const user = req.to.bare();
  const page = await d.store.query(user.local, user.domain, query.filter, query.page);
  // §4.3.2: an after/before UID that is not in the archive.
  if (!page) throw new StanzaError('item-not-found');
  const target = d.router.full(req.from);
  const items = query.flip ? [...page.messages].reverse() : page.messages;
  for (const item of items) {
    const original = decodeStanza(item.stanza);
    if (!original) {
      d.log.warn({ what: 'mam_stored_stanza_invalid', user: user.bareString(), id: item.id });
      continue;
    }
    await target?.deliver(resultMessage(item, original, query.queryId, user, req.from));
  }
  return finElement(page);
}

import { StanzaError } from '../../errors/index.ts';
import { type Jid, tryParseJid } from '../../jid/index.ts';
import {
  type Element,
  NS_CLIENT,
  NS_DATA_FORMS,
  NS_MUC_OWNER,
  NS_MUC_USER,
  x,
} from '../../xml/index.ts';
import type { Room } from './room.ts';
import { applyConfigForm, configForm } from './room-config.ts';
import { expel } from './room-presence.ts';

export interface OwnerOutcome {
  result: Element;
  /** The room was destroyed (§10.9) or its creation cancelled (§10.1.3). */
  destroyed: boolean;
}

/** XEP-0045 §10 (muc#owner): configuration form, submission, cancellation, destruction. */
export function handleOwner(
  room: Room,
  from: Jid,
  type: string,
  query: Element,
  maxUsersCap: number,
): OwnerOutcome {
  if (room.affiliationOf(from) !== 'owner') throw new StanzaError('forbidden');
  const result = x('query', NS_MUC_OWNER);
  if (type === 'get') {
    result.append(configForm(room.config, maxUsersCap));
    return { result, destroyed: false };
  }
  const destroy = query.getChild('destroy', NS_MUC_OWNER);
  if (destroy) {
    destroyRoom(room, destroy);
    return { result, destroyed: true };
  }
  const form = query.getChild('x', NS_DATA_FORMS);
  if (!form) throw new StanzaError('bad-request');
  if (form.attrs.type === 'cancel') {
    // §10.1.3: cancelling the configuration of a new (locked) room destroys it.
    if (room.locked) {
      destroyRoom(room, undefined);
      return { result, destroyed: true };
    }
    return { result, destroyed: false };
  }
  if (form.attrs.type !== 'submit') throw new StanzaError('bad-request');
  const before = room.config;
  room.config = applyConfigForm(before, form, maxUsersCap);
  room.dirty = true;
  const wasLocked = room.locked;
  room.locked = false;
  if (!wasLocked) notifyChange(room, before.whois !== room.config.whois);
  if (room.config.membersOnly && !before.membersOnly) {
    // §9.4: becoming members-only removes those without an affiliation (status 322).
    for (const occ of [...room.occupants.values()]) {
      if (room.affiliationOf(occ.real) === 'none') expel(room, occ, { codes: ['322'] });
    }
  }
  return { result, destroyed: false };
}

/** §10.2.1: occupants learn that the configuration changed (104; 172/173 for anonymity). */
function notifyChange(room: Room, anonymityChanged: boolean): void {
  const ext = x('x', NS_MUC_USER, {}, x('status', NS_MUC_USER, { code: '104' }));
  if (anonymityChanged) {
    const code = room.config.whois === 'anyone' ? '172' : '173';
    ext.append(x('status', NS_MUC_USER, { code }));
  }
  room.broadcast(x('message', NS_CLIENT, { from: room.jid.bareString(), type: 'groupchat' }, ext));
}

/** §10.9: every occupant gets unavailable with <destroy/> (alternate venue and reason). */
export function destroyRoom(room: Room, destroy: Element | undefined): void {
  const d = x('destroy', NS_MUC_USER);
  const alt = destroy?.attrs.jid === undefined ? undefined : tryParseJid(destroy.attrs.jid);
  if (alt) d.setAttr('jid', alt.toString());
  const reason = destroy?.getChildText('reason', NS_MUC_OWNER);
  if (reason !== undefined) d.append(x('reason', NS_MUC_USER, {}, reason.slice(0, 1024)));
  for (const occ of [...room.occupants.values()]) {
    expel(room, occ, { affiliation: 'none', extra: [d] });
  }
}

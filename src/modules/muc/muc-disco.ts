import {
  type Element,
  NS_DATA_FORMS,
  NS_DISCO_INFO,
  NS_DISCO_ITEMS,
  NS_MAM,
  NS_MUC,
  NS_PING,
  NS_SID,
  x,
} from '../../xml/index.ts';
import type { Occupant, Room } from './room.ts';
import { configFeatures } from './room-config.ts';

function info(name: string, features: string[]): Element {
  const q = x('query', NS_DISCO_INFO);
  q.append(x('identity', NS_DISCO_INFO, { category: 'conference', type: 'text', name }));
  for (const f of [...new Set(features)].sort()) q.append(x('feature', NS_DISCO_INFO, { var: f }));
  return q;
}

/** XEP-0045 §6.1: the service is a conference/text entity supporting the muc protocol. */
export function serviceInfo(name: string): Element {
  return info(name, [NS_DISCO_INFO, NS_DISCO_ITEMS, NS_MUC, NS_PING]);
}

/** XEP-0045 §6.3: public rooms, at most `limit`. */
export function serviceItems(rooms: Iterable<Room>, limit: number): Element {
  const q = x('query', NS_DISCO_ITEMS);
  let n = 0;
  for (const r of rooms) {
    if (!r.config.public || r.locked) continue;
    if (n++ >= limit) break;
    q.append(
      x('item', NS_DISCO_ITEMS, { jid: r.jid.bareString(), name: r.config.title || r.name }),
    );
  }
  return q;
}

function formField(v: string, value: string, type?: string): Element {
  return x('field', NS_DATA_FORMS, { var: v, type }, x('value', NS_DATA_FORMS, {}, value));
}

/**
 * XEP-0045 §6.4: the room's identity, the features its configuration implies, and the
 * muc#roominfo extended information (XEP-0128).
 */
export function roomInfo(room: Room): Element {
  const q = info(room.config.title || room.name, [
    NS_DISCO_INFO,
    NS_DISCO_ITEMS,
    NS_MUC,
    // XEP-0313 §6.1 (MUC archive) and XEP-0359 §6 (the room stamps stanza ids).
    NS_MAM,
    NS_SID,
    'http://jabber.org/protocol/muc#self-ping-optimization',
    ...configFeatures(room.config),
  ]);
  q.append(
    x(
      'x',
      NS_DATA_FORMS,
      { type: 'result' },
      formField('FORM_TYPE', 'http://jabber.org/protocol/muc#roominfo', 'hidden'),
      formField('muc#roominfo_description', room.config.description),
      formField('muc#roominfo_occupants', String(room.occupants.size)),
      formField('muc#roominfo_subject', room.subject.text),
      formField('muc#roomconfig_roomname', room.config.title),
    ),
  );
  return q;
}

/** XEP-0045 §6.5: occupants are listed only to occupants (their nicknames are not secret to them). */
export function roomItems(room: Room, asker: Occupant | undefined): Element {
  const q = x('query', NS_DISCO_ITEMS);
  if (!asker) return q;
  for (const o of room.occupants.values()) {
    q.append(x('item', NS_DISCO_ITEMS, { jid: room.occupantJid(o.nick), name: o.nick }));
  }
  return q;
}

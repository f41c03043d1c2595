import { type Element, NS_DELAY, serialize, x } from '../../xml/index.ts';

/** What a joining client asks for (XEP-0045 §7.2.14); undefined = the service default. */
export interface HistoryRequest {
  maxchars?: number;
  maxstanzas?: number;
  seconds?: number;
  since?: number;
}

/** One archived groupchat message as replayed: the reflected stanza (no 'to') and its time. */
export interface HistoryEntry {
  stanza: Element;
  at: number;
}

/**
 * The archive read a join needs: the last `max` messages from `start` on, `max` being the
 * client's maxstanzas capped by the room's history size (option history_size); undefined when
 * nothing is to be replayed.
 */
export function historyWindow(
  req: HistoryRequest,
  now: number,
  size: number,
): { max: number; start?: number } | undefined {
  const max = Math.min(req.maxstanzas ?? size, size);
  if (max <= 0 || req.maxchars === 0) return undefined;
  const bounds = [req.since, req.seconds === undefined ? undefined : now - req.seconds * 1000];
  const given = bounds.filter((b): b is number => b !== undefined);
  return given.length === 0 ? { max } : { max, start: Math.max(...given) };
}

/**
 * XEP-0045 §7.2.14: the messages a joining occupant gets, oldest first, each with a <delay/>
 * (XEP-0203) from the room; maxchars keeps the newest messages that fit.
 */
export function historyMessages(
  entries: HistoryEntry[],
  req: HistoryRequest,
  roomJid: string,
): Element[] {
  let start = entries.length;
  if (req.maxchars === undefined) start = 0;
  else {
    let budget = req.maxchars;
    while (start > 0) {
      const chars = serialize(entries[start - 1]!.stanza).length;
      if (chars > budget) break;
      budget -= chars;
      start--;
    }
  }
  return entries.slice(start).map((e) => {
    const m = e.stanza.clone();
    m.setAttr('to', undefined);
    m.append(x('delay', NS_DELAY, { from: roomJid, stamp: new Date(e.at).toISOString() }));
    return m;
  });
}

/** Reads <history/> from the join presence's <x xmlns='…muc'/> (XEP-0045 §7.2.14). */
export function parseHistoryRequest(history: Element | undefined): HistoryRequest {
  if (!history) return {};
  const int = (v: string | undefined): number | undefined => {
    if (v === undefined || !/^\d{1,10}$/.test(v)) return undefined;
    return Number(v);
  };
  const sinceRaw = history.attrs.since;
  const since = sinceRaw === undefined ? Number.NaN : Date.parse(sinceRaw);
  return {
    maxchars: int(history.attrs.maxchars),
    maxstanzas: int(history.attrs.maxstanzas),
    seconds: int(history.attrs.seconds),
    since: Number.isNaN(since) ? undefined : since,
  };
}

import { type Element, NS_DELAY, serialize, x } from '../../xml/index.ts';

interface Entry {
  /** The groupchat message as broadcast (from room/nick, no 'to'). */
  stanza: Element;
  at: number;
  chars: number;
}

/** What a joining client asks for (XEP-0045 §7.2.14); undefined = the service default. */
export interface HistoryRequest {
  maxchars?: number;
  maxstanzas?: number;
  seconds?: number;
  since?: number;
}

/** A room's recent groupchat messages, at most `max` (option history_size). */
export class History {
  private readonly entries: Entry[] = [];

  constructor(private readonly max: number) {}

  add(stanza: Element, at: number): void {
    if (this.max === 0) return;
    const copy = stanza.clone();
    copy.setAttr('to', undefined);
    this.entries.push({ stanza: copy, at, chars: serialize(copy).length });
    if (this.entries.length > this.max) this.entries.shift();
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * XEP-0045 §7.2.14: the messages a joining occupant gets, oldest first, each with a
   * <delay/> (XEP-0203) from the room; every limit given applies.
   */
  select(req: HistoryRequest, now: number, roomJid: string): Element[] {
    let picked = this.entries;
    const since = Math.max(
      req.since ?? Number.NEGATIVE_INFINITY,
      req.seconds === undefined ? Number.NEGATIVE_INFINITY : now - req.seconds * 1000,
    );
    picked = picked.filter((e) => e.at >= since);
    if (req.maxstanzas !== undefined)
      picked = picked.slice(Math.max(0, picked.length - req.maxstanzas));
    if (req.maxchars !== undefined) {
      let budget = req.maxchars;
      let start = picked.length;
      while (start > 0 && picked[start - 1]!.chars <= budget) {
        budget -= picked[start - 1]!.chars;
        start--;
      }
      picked = picked.slice(start);
    }
    return picked.map((e) => {
      const m = e.stanza.clone();
      m.append(x('delay', NS_DELAY, { from: roomJid, stamp: new Date(e.at).toISOString() }));
      return m;
    });
  }
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

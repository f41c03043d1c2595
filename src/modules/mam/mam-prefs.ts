import { StanzaError } from '../../errors/index.ts';
import { tryParseJid } from '../../jid/index.ts';
import { type Element, NS_MAM, x } from '../../xml/index.ts';
import type { MamDefault, MamPrefs } from './mam-store.ts';

/** JIDs one list (always or never) may hold. */
export const MAX_PREF_JIDS = 1000;

const DEFAULTS = new Set<string>(['always', 'never', 'roster']);

/** XEP-0313 §7.1: <prefs default='…'><always><jid/>…</always><never>…</never></prefs>. */
export function parsePrefs(el: Element): MamPrefs {
  const mode = el.attrs.default;
  if (mode === undefined || !DEFAULTS.has(mode)) {
    throw new StanzaError('bad-request', { text: "default must be 'always', 'never' or 'roster'" });
  }
  return {
    default: mode as MamDefault,
    always: jids(el.getChild('always', NS_MAM)),
    never: jids(el.getChild('never', NS_MAM)),
  };
}

function jids(list: Element | undefined): string[] {
  if (!list) return [];
  const out = new Set<string>();
  for (const j of list.getChildren('jid', NS_MAM)) {
    const jid = tryParseJid(j.text().trim());
    if (!jid) throw new StanzaError('jid-malformed');
    out.add(jid.bareString());
  }
  if (out.size > MAX_PREF_JIDS) {
    throw new StanzaError('not-acceptable', { text: `at most ${MAX_PREF_JIDS} JIDs per list` });
  }
  return [...out];
}

export function prefsElement(p: MamPrefs): Element {
  const list = (name: string, items: string[]) =>
    x(name, NS_MAM, {}, ...items.map((j) => x('jid', NS_MAM, {}, j)));
  return x(
    'prefs',
    NS_MAM,
    { default: p.default },
    list('always', p.always),
    list('never', p.never),
  );
}

/**
 * XEP-0313 §7: whether a message with `peer` (bare JID) is archived. The explicit lists win
 * (never before always, the stricter choice when a JID is in both); then the default, where
 * 'roster' means "only contacts in the user's roster".
 */
export async function shouldArchive(
  prefs: MamPrefs,
  peer: string,
  inRoster: () => Promise<boolean>,
): Promise<boolean> {
  if (prefs.never.includes(peer)) return false;
  if (prefs.always.includes(peer)) return true;
  if (prefs.default === 'always') return true;
  if (prefs.default === 'never') return false;
  return inRoster();
}

import { StanzaError } from '../../errors/index.ts';
import { type Jid, tryParseJid } from '../../jid/index.ts';
import { type Element, NS_ROSTER, x } from '../../xml/index.ts';
import type { RosterItem } from './roster-store.ts';

/** Server limits on a roster item's text (RFC 6121 §2.3.3 "server-configured limit"). */
export const MAX_NAME_LENGTH = 1024;
export const MAX_GROUP_LENGTH = 1024;
export const MAX_GROUPS = 64;

/** `<item/>` as in a roster result or push (RFC 6121 §2.1.2). */
export function itemElement(item: RosterItem): Element {
  const el = x('item', NS_ROSTER, {
    jid: item.jid,
    name: item.name,
    subscription: item.subscription,
    ask: item.askOut ? 'subscribe' : undefined,
  });
  for (const g of item.groups) el.append(x('group', NS_ROSTER, {}, g));
  return el;
}

/** `<item jid='...' subscription='remove'/>` for the push of a removed item (RFC 6121 §2.5.2). */
export function removedItemElement(jid: string): Element {
  return x('item', NS_ROSTER, { jid, subscription: 'remove' });
}

/** A validated roster set (RFC 6121 §2.3, §2.4, §2.5). */
export type RosterSet =
  | { kind: 'remove'; jid: Jid }
  | { kind: 'update'; jid: Jid; name: string | undefined; groups: string[] };

/** Parses and checks the `<query/>` of a roster set; throws the RFC 6121 §2.3.3 errors. */
export function parseRosterSet(query: Element): RosterSet {
  const items = query.elements();
  // RFC 6121 §2.3.3: exactly one <item/> child, nothing else.
  if (items.length !== 1 || items[0]!.name !== 'item' || items[0]!.ns !== NS_ROSTER) {
    throw new StanzaError('bad-request', { text: 'a roster set holds exactly one item' });
  }
  const item = items[0]!;
  const jid = tryParseJid(item.attrs.jid ?? '');
  if (!jid || item.attrs.jid === '') {
    throw new StanzaError('bad-request', { text: 'the item needs a valid jid' });
  }
  // RFC 6121 §2.1.2.5: in a roster set, subscription values other than "remove" are ignored
  // (as is 'ask', §2.1.2.2: the server alone sets it).
  if (item.attrs.subscription === 'remove') return { kind: 'remove', jid };
  const name = item.attrs.name;
  if (name !== undefined && name.length > MAX_NAME_LENGTH) {
    throw new StanzaError('not-acceptable', { text: `name longer than ${MAX_NAME_LENGTH}` });
  }
  return { kind: 'update', jid, name: name === '' ? undefined : name, groups: parseGroups(item) };
}

function parseGroups(item: Element): string[] {
  const groups: string[] = [];
  for (const child of item.elements()) {
    if (child.name !== 'group' || child.ns !== NS_ROSTER) continue;
    const g = child.text();
    // RFC 6121 §2.3.3: an empty group or one past the length limit is not acceptable.
    if (g.length === 0) throw new StanzaError('not-acceptable', { text: 'empty group name' });
    if (g.length > MAX_GROUP_LENGTH) {
      throw new StanzaError('not-acceptable', { text: `group longer than ${MAX_GROUP_LENGTH}` });
    }
    // RFC 6121 §2.3.3: a repeated group is a bad request.
    if (groups.includes(g)) throw new StanzaError('bad-request', { text: `duplicate group ${g}` });
    groups.push(g);
  }
  if (groups.length > MAX_GROUPS) {
    throw new StanzaError('not-acceptable', { text: `more than ${MAX_GROUPS} groups` });
  }
  return groups;
}

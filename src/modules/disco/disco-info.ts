import { type Element, NS_DISCO_INFO, NS_DISCO_ITEMS, x } from '../../xml/index.ts';

export interface Identity {
  category: string;
  type: string;
  name?: string;
}

export interface DiscoItem {
  jid: string;
  name?: string;
  node?: string;
}

/** XEP-0030 §3.1: identities, then features, each feature once (sorted: stable answers). */
export function infoResult(identities: readonly Identity[], features: Iterable<string>): Element {
  const query = x('query', NS_DISCO_INFO);
  const seen = new Set<string>();
  for (const id of identities) {
    const key = `${id.category}/${id.type}/${id.name ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    query.append(
      x('identity', NS_DISCO_INFO, { category: id.category, type: id.type, name: id.name }),
    );
  }
  for (const f of [...new Set(features)].sort())
    query.append(x('feature', NS_DISCO_INFO, { var: f }));
  return query;
}

/** XEP-0030 §4.1. */
export function itemsResult(items: readonly DiscoItem[]): Element {
  const query = x('query', NS_DISCO_ITEMS);
  for (const it of items) {
    query.append(x('item', NS_DISCO_ITEMS, { jid: it.jid, name: it.name, node: it.node }));
  }
  return query;
}

import { StanzaError } from '../../errors/index.ts';
import type { IqRequest } from '../../iq/index.ts';
import { type Element, NS_PRIVATE, NS_VCARD, serialize, x } from '../../xml/index.ts';
import { parseStoredXml } from '../vcard/stored-xml.ts';
import type { PrivateEntry, PrivateStore } from './private-store.ts';

export interface PrivateLimits {
  /** Bytes of serialized XML one namespace may hold. */
  maxItemSize: number;
  /** Namespaces one account may use. */
  maxNamespaces: number;
}

/**
 * XEP-0049 §2.3: namespaces beginning with 'jabber:' or 'http://jabber.org/', and 'vcard-temp',
 * are reserved; storing or reading them is refused with not-acceptable (the optional error the
 * XEP describes, which we choose so that private storage never shadows a real protocol).
 */
export function isReservedNamespace(ns: string): boolean {
  return (
    ns === '' || ns.startsWith('jabber:') || ns.startsWith('http://jabber.org/') || ns === NS_VCARD
  );
}

/** jabber:iq:private get/set for the user's own account (IQ target 'user'). */
export async function handlePrivateIq(
  store: PrivateStore,
  limits: PrivateLimits,
  req: IqRequest,
): Promise<Element | undefined> {
  if (req.payload.name !== 'query') throw new StanzaError('bad-request');
  // XEP-0049 §2.3 and §4: only the user's own resources, never someone else.
  if (req.from.bareString() !== req.to.bareString()) throw new StanzaError('forbidden');
  const { local, domain } = req.to;
  const children = req.payload.elements();
  if (req.type === 'get') {
    // XEP-0049 §2.3: exactly one namespace per get; none is "Bad Format".
    if (children.length !== 1) {
      throw new StanzaError('bad-request', { text: 'ask for exactly one namespace' });
    }
    const wanted = children[0]!;
    checkNamespace(wanted.ns);
    const xml = await store.get(local, domain, wanted.ns);
    const stored = xml === null ? undefined : parseStoredXml(xml, xml.length * 2 + 1024);
    const items = stored && stored.length > 0 ? stored : [x(wanted.name, wanted.ns)];
    return x('query', NS_PRIVATE, {}, ...items);
  }
  // XEP-0049 §2.3: a set needs at least one child with its own namespace.
  if (children.length === 0) throw new StanzaError('not-acceptable');
  const entries = groupByNamespace(children, limits.maxItemSize);
  const existing = new Set(await store.namespaces(local, domain));
  const added = entries.filter((e) => !existing.has(e.namespace)).length;
  if (existing.size + added > limits.maxNamespaces) {
    throw new StanzaError('policy-violation', {
      text: `at most ${limits.maxNamespaces} namespaces of private data per account`,
    });
  }
  await store.set(local, domain, entries);
  return undefined;
}

function checkNamespace(ns: string): void {
  if (isReservedNamespace(ns)) {
    throw new StanzaError('not-acceptable', { text: `the namespace '${ns}' is reserved` });
  }
}

/** XEP-0049 §2.3: a set MAY hold several elements of one namespace; they are stored together. */
function groupByNamespace(children: Element[], maxItemSize: number): PrivateEntry[] {
  const byNs = new Map<string, string>();
  for (const child of children) {
    checkNamespace(child.ns);
    byNs.set(child.ns, (byNs.get(child.ns) ?? '') + serialize(child));
  }
  const entries: PrivateEntry[] = [];
  for (const [namespace, xml] of byNs) {
    if (Buffer.byteLength(xml, 'utf8') > maxItemSize) {
      throw new StanzaError('policy-violation', {
        text: `private data of one namespace is limited to ${maxItemSize} bytes`,
      });
    }
    entries.push({ namespace, xml });
  }
  return entries;
}

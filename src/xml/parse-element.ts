import { StreamError } from '../errors/index.ts';
import type { Element } from './element.ts';
import { NS_CLIENT } from './namespaces.ts';
import { XmppStreamParser } from './parser.ts';

/**
 * Parses one complete element (a stanza forwarded between nodes, a stored presence) with the
 * same parser and limits as client input. Throws StreamError when it is not exactly one element.
 *
 * `contextNs` is the default namespace the text was serialized in: `serialize(el, NS_CLIENT)`
 * leaves out `xmlns="jabber:client"`, so parsing it back outside that context would put the
 * stanza in no namespace, and a session would then write it with `xmlns=""` (which clients
 * such as slixmpp then ignore: issue 19). The `xml` prefix needs no declaration (Namespaces
 * in XML 1.0 §3), so `xml:lang` parses in any context.
 */
export function parseElement(xml: string, maxBytes = 1024 * 1024, contextNs = NS_CLIENT): Element {
  const found: Element[] = [];
  let failure: StreamError | undefined;
  const parser = new XmppStreamParser(
    { maxStanzaBytes: maxBytes, framing: 'websocket', outerNamespace: contextNs },
    {
      streamOpen: () => {},
      stanza: (el) => found.push(el),
      streamClose: () => {},
      error: (e) => {
        failure = e;
      },
    },
  );
  parser.write(Buffer.from(xml, 'utf8'));
  if (failure) throw failure;
  if (found.length !== 1)
    throw new StreamError('bad-format', `expected one element, got ${found.length}`);
  return found[0]!;
}

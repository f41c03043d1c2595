import { StreamError } from '../errors/index.ts';
import type { Element } from './element.ts';
import { XmppStreamParser } from './parser.ts';

/**
 * Parses one complete element (a stanza forwarded between nodes, a stored message) with the
 * same parser and limits as client input. Throws StreamError when it is not exactly one element.
 */
export function parseElement(xml: string, maxBytes = 1024 * 1024): Element {
  const found: Element[] = [];
  let failure: StreamError | undefined;
  const parser = new XmppStreamParser(
    { maxStanzaBytes: maxBytes, framing: 'websocket' },
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

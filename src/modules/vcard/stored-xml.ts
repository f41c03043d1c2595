import type { Element } from '../../xml/index.ts';
import { XmppStreamParser } from '../../xml/index.ts';

/**
 * Reads back one element this server serialized into a store (vCards, private XML). The stream
 * parser in WebSocket framing (RFC 7395: every top-level element stands alone) applies the same
 * limits and refusals as for client input; anything else than elements yields undefined.
 */
export function parseStoredXml(xml: string, maxBytes: number): Element[] | undefined {
  const out: Element[] = [];
  let failed = false;
  const parser = new XmppStreamParser(
    { maxStanzaBytes: maxBytes, framing: 'websocket' },
    {
      streamOpen: () => {
        failed = true;
      },
      stanza: (el) => out.push(el),
      streamClose: () => {
        failed = true;
      },
      error: () => {
        failed = true;
      },
    },
  );
  parser.write(Buffer.from(xml, 'utf8'));
  return failed ? undefined : out;
}

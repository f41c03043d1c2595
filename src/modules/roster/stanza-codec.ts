import {
  type Element,
  NS_CLIENT,
  NS_STREAM,
  serialize,
  XmppStreamParser,
} from '../../xml/index.ts';

/** Stored stanzas are small (one presence request): a generous cap for reading them back. */
const MAX_STORED_BYTES = 64 * 1024;

export function encodeStanza(el: Element): string {
  return serialize(el, NS_CLIENT);
}

/** Parses a stanza written by encodeStanza (undefined if it is not one well-formed element). */
export function decodeStanza(text: string): Element | undefined {
  let out: Element | undefined;
  let failed = false;
  const parser = new XmppStreamParser(
    { maxStanzaBytes: MAX_STORED_BYTES },
    {
      streamOpen: () => {},
      stanza: (el) => {
        out ??= el;
      },
      streamClose: () => {},
      error: () => {
        failed = true;
      },
    },
  );
  parser.write(
    Buffer.from(
      `<stream:stream xmlns='${NS_CLIENT}' xmlns:stream='${NS_STREAM}'>${text}</stream:stream>`,
    ),
  );
  return failed ? undefined : out;
}

import {
  type Element,
  NS_CLIENT,
  NS_STREAM,
  serialize,
  XmppStreamParser,
} from '../../xml/index.ts';

/** Serializes a message for the archive (jabber:client is the implied default namespace). */
export function encodeStanza(el: Element): string {
  return serialize(el, NS_CLIENT);
}

const OPEN = `<stream:stream xmlns='${NS_CLIENT}' xmlns:stream='${NS_STREAM}'>`;

/** Parses an archived message with the streams' strict parser; undefined if it does not parse. */
export function decodeStanza(xml: string): Element | undefined {
  let out: Element | undefined;
  let failed = false;
  const parser = new XmppStreamParser(
    { maxStanzaBytes: Buffer.byteLength(xml) + 1024, maxDepth: 64 },
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
  parser.write(Buffer.from(`${OPEN}${xml}</stream:stream>`));
  return failed ? undefined : out;
}

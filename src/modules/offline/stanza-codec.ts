import {
  type Element,
  NS_CLIENT,
  NS_STREAM,
  serialize,
  XmppStreamParser,
} from '../../xml/index.ts';

/** Serializes a stanza for storage (jabber:client is the implied default namespace). */
export function encodeStanza(el: Element): string {
  return serialize(el, NS_CLIENT);
}

const OPEN = `<stream:stream xmlns='${NS_CLIENT}' xmlns:stream='${NS_STREAM}'>`;

/** Parses a stored stanza back with the same strict parser the streams use; throws if invalid. */
export function decodeStanza(xml: string): Element {
  let out: Element | undefined;
  let failure: Error | undefined;
  const parser = new XmppStreamParser(
    { maxStanzaBytes: Buffer.byteLength(xml) + 1024, maxDepth: 64 },
    {
      streamOpen: () => {},
      stanza: (el) => {
        out ??= el;
      },
      streamClose: () => {},
      error: (err) => {
        failure = err;
      },
    },
  );
  parser.write(Buffer.from(OPEN + xml + '</stream:stream>'));
  if (failure) throw new Error(`stored stanza does not parse: ${failure.message}`);
  if (!out) throw new Error('stored stanza is empty');
  return out;
}

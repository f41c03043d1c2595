import type { StreamError } from '../errors/stream-error.ts';
import type { Element } from './element.ts';
import { type StreamOpen, type StreamParserOptions, XmppStreamParser } from './parser.ts';
import { serialize } from './serializer.ts';

/** Test helper: a parser whose handler records what it was told, in order. */
export interface Recorded {
  parser: XmppStreamParser;
  /** 'open', 'stanza <xml>', 'close', 'error <condition>' in order. */
  events: string[];
  opens: StreamOpen[];
  stanzas: Element[];
  errors: StreamError[];
  /** Writes a string (or bytes) in one chunk, or in chunks of `size` bytes. */
  feed(input: string | Buffer, size?: number): void;
}

export const NS_STREAM_DECL = "xmlns:stream='http://etherx.jabber.org/streams'";
export const HEADER = `<?xml version='1.0'?><stream:stream xmlns='jabber:client' ${NS_STREAM_DECL} to='example.com' version='1.0'>`;

export function record(opts: Partial<StreamParserOptions> = {}): Recorded {
  const r: Recorded = {
    parser: undefined as unknown as XmppStreamParser,
    events: [],
    opens: [],
    stanzas: [],
    errors: [],
    feed(input, size) {
      const buf = typeof input === 'string' ? Buffer.from(input) : input;
      const step = size ?? Math.max(buf.length, 1);
      for (let i = 0; i < buf.length; i += step) r.parser.write(buf.subarray(i, i + step));
    },
  };
  r.parser = new XmppStreamParser(
    { maxStanzaBytes: 65536, ...opts },
    {
      streamOpen(open) {
        r.opens.push(open);
        r.events.push('open');
      },
      stanza(el) {
        r.stanzas.push(el);
        r.events.push(`stanza ${serialize(el, 'jabber:client')}`);
      },
      streamClose() {
        r.events.push('close');
      },
      error(err) {
        r.errors.push(err);
        r.events.push(`error ${err.condition}`);
      },
    },
  );
  return r;
}

/** What saxes itself buffers (private fields), to check that limits bound real memory. */
export function saxesBufferedChars(parser: XmppStreamParser): number {
  const sax = (parser as unknown as { sax: Record<string, unknown> }).sax;
  let n = 0;
  for (const f of ['text', 'name', 'entity', 'piTarget', 'openWakaBang', 'chunk']) {
    const v = sax[f];
    if (typeof v === 'string') n += v.length;
  }
  const list = sax.attribList as { name: string; value: string }[];
  for (const a of list) n += a.name.length + a.value.length;
  return n;
}

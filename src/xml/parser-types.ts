import type { StreamError } from '../errors/stream-error.ts';
import type { Attrs, Element } from './element.ts';

export interface StreamOpen {
  /** Local name of the root element (`stream` for `<stream:stream>`). */
  name: string;
  prefix: string;
  /** Resolved namespace of the root element. */
  ns: string;
  /** Value of `xmlns=` on the root: the default namespace of the stanzas (RFC 6120 §4.8.3). */
  defaultNs: string | undefined;
  /** Non-namespace attributes (to, from, version, xml:lang, id), null-prototype. */
  attrs: Attrs;
}

export interface StreamParserHandler {
  streamOpen(open: StreamOpen): void;
  stanza(el: Element): void;
  streamClose(): void;
  /** Called at most once; afterwards the parser ignores input until reset(). */
  error(err: StreamError): void;
}

export interface StreamParserOptions {
  /** Bytes one stanza (or the stream header) may take; whitespace between stanzas is free. */
  maxStanzaBytes: number;
  /** Nesting depth inside a stanza; the stanza element itself is depth 1. */
  maxDepth?: number;
  maxAttrs?: number;
  maxNameLength?: number;
  /** 'stream': RFC 6120 TCP stream; 'websocket': RFC 7395, each top-level element is a stanza. */
  framing?: 'stream' | 'websocket';
  /**
   * Websocket framing: the default namespace in effect outside any element ('' if unset). A
   * stanza serialized for a jabber:client context (no `xmlns` of its own) needs NS_CLIENT here.
   */
  outerNamespace?: string;
}

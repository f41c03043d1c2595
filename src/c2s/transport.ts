import type { Element } from '../xml/index.ts';
import type { StreamParserHandler } from '../xml/parser.ts';
import type { ChannelBinding } from './sasl/types.ts';

export type { ChannelBinding };

export interface StreamHeaderAttrs {
  id: string;
  from: string;
  lang: string;
  version: string;
}

/**
 * What a c2s session needs from its transport (TCP/TLS, WebSocket, BOSH): one state machine,
 * several transports. The transport owns the socket, the framing and the XML parser.
 */
export interface C2sTransport {
  readonly kind: 'tcp' | 'ws' | 'bosh';
  /** Client address (the real one when a trusted proxy told us). */
  readonly ip: string;
  isSecure(): boolean;
  /** STARTTLS is possible (a TCP transport not yet encrypted, with a certificate). */
  canStartTls(): boolean;
  /** Called right after `<proceed/>` is written; resolves when the handshake is done. */
  startTls(): Promise<void>;
  /** The channel-binding types of the client's own TLS connection, with data; [] without. */
  channelBindings(): ChannelBinding[];
  /** Events from the parser go to this handler. */
  setHandler(handler: StreamParserHandler): void;
  /** Stops delivering parsed input at once and discards buffered bytes (before STARTTLS). */
  discardInput(): void;
  /** A new stream begins (RFC 6120 §4.3.3): the parser starts from scratch. */
  restartParser(): void;
  setMaxStanzaBytes(n: number): void;
  openStream(attrs: StreamHeaderAttrs): void;
  send(el: Element): void;
  /** Bytes written but not yet flushed to the kernel: the session's outbound queue. */
  bufferedBytes(): number;
  /** Writes the closing tag (and a stream error first if given) and ends the connection. */
  closeStream(error?: Element): void;
  destroy(): void;
  pauseInput(): void;
  resumeInput(): void;
  onClose(cb: () => void): void;
}

import { TextDecoder } from 'node:util';
import type { SaxesTagPlain } from 'saxes';
import { StreamError } from '../errors/stream-error.ts';
import type { Element } from './element.ts';
import { type NameLimits, NamespaceStack, ParseAbort } from './parser-namespaces.ts';
import { createSaxes, type Sax } from './parser-saxes.ts';
import type { StreamParserHandler, StreamParserOptions } from './parser-types.ts';

export type { StreamOpen, StreamParserHandler, StreamParserOptions } from './parser-types.ts';

const OPEN = 0;
const LATCHED = 1;
const ENDED = 2;
/** Thrown out of saxes when reset() was called from a handler callback: drop the rest. */
const STALE = Symbol('stale');
/** Thrown out of saxes after </stream:stream>: nothing after it is parsed. */
const STOP = Symbol('stop');

/**
 * Incremental XMPP stream parser over saxes (ARCHITECTURE.md §10).
 *
 * Limits are enforced before data reaches saxes: input is fed in pieces no larger than what
 * the current stanza may still take, so a huge unterminated token is refused once it crosses
 * maxStanzaBytes and saxes never buffers more than that. The first error latches the parser.
 */
export class XmppStreamParser {
  private readonly handler: StreamParserHandler;
  private readonly websocket: boolean;
  private readonly maxDepth: number;
  private readonly limits: NameLimits;
  private maxBytes: number;
  private sax!: Sax;
  private decoder!: TextDecoder;
  private ns!: NamespaceStack;
  private readonly outerNamespace: string;
  /** Open elements of the stanza being built. */
  private readonly open: Element[] = [];
  private state = OPEN;
  private gen = 0;
  /** Bytes of the current segment: everything since the end of the last stanza/stream header. */
  private segBytes = 0;
  /** UTF-16 units written to saxes so far (saxes's `position` counts the same units). */
  private fed = 0;
  /** saxes position just after the last segment end seen in the current piece, or -1. */
  private boundary = -1;
  /** Between stanzas with only whitespace pending: a whitespace-only chunk can be dropped. */
  private idleClean = false;
  /** A completed stanza held until saxes proves its end tag matched (see closeTag). */
  private pending: Element | null = null;
  private pendingPos = -1;
  private pendingClose = false;

  constructor(opts: StreamParserOptions, handler: StreamParserHandler) {
    this.handler = handler;
    this.websocket = opts.framing === 'websocket';
    this.outerNamespace = opts.outerNamespace ?? '';
    this.maxBytes = opts.maxStanzaBytes;
    this.maxDepth = opts.maxDepth ?? 32;
    this.limits = { maxAttrs: opts.maxAttrs ?? 64, maxNameLength: opts.maxNameLength ?? 256 };
    this.reset();
  }

  /** Bytes held for the current segment; never more than maxStanzaBytes. */
  get bufferedBytes(): number {
    return this.segBytes;
  }

  /** 8 KiB before authentication, 64 KiB after (ARCHITECTURE.md §8). */
  setMaxStanzaBytes(n: number): void {
    this.maxBytes = n;
  }

  /** Fresh parser for a stream restart after STARTTLS or SASL (RFC 6120 §4.3.3). */
  reset(): void {
    this.gen++;
    this.decoder = new TextDecoder('utf-8', { fatal: true });
    this.ns = new NamespaceStack(this.outerNamespace);
    this.open.length = 0;
    this.state = OPEN;
    this.segBytes = 0;
    this.fed = 0;
    this.boundary = -1;
    this.idleClean = false;
    this.pending = null;
    this.pendingClose = false;
    this.sax = this.createSax();
  }

  write(chunk: Buffer): void {
    if (this.state !== OPEN) return;
    let s: string;
    try {
      s = this.decoder.decode(chunk, { stream: true });
    } catch {
      this.fail(new StreamError('not-well-formed', 'invalid UTF-8'));
      return;
    }
    if (s.length === 0) return;
    const bytes = Buffer.byteLength(s);
    const ascii = bytes === s.length;
    try {
      if (this.segBytes + bytes <= this.maxBytes) this.feed(s, bytes, ascii);
      else this.feedBounded(s, ascii);
    } catch (e) {
      if (e === STALE || e === STOP) return;
      if (e instanceof ParseAbort) {
        this.fail(e.error);
        return;
      }
      // A handler callback threw: saxes stopped mid-chunk, so this stream cannot go on.
      this.state = LATCHED;
      throw e;
    }
  }

  /** Feeds `s` in pieces that each fit what the current segment may still take. */
  private feedBounded(s: string, ascii: boolean): void {
    let pos = 0;
    while (pos < s.length) {
      const budget = this.maxBytes - this.segBytes;
      let end = Math.min(s.length, pos + Math.max(budget, 0));
      let pieceBytes = end - pos;
      if (!ascii) {
        // A UTF-16 unit is 1 to 3 bytes: shrink until the piece's bytes fit the budget.
        pieceBytes = Buffer.byteLength(s.slice(pos, end));
        while (pieceBytes > budget && end > pos) {
          end = pos + Math.floor(((end - pos) * budget) / pieceBytes);
          pieceBytes = Buffer.byteLength(s.slice(pos, end));
        }
        const last = s.charCodeAt(end - 1);
        if (end < s.length && end > pos && last >= 0xd800 && last <= 0xdbff) {
          end--;
          pieceBytes -= 3;
        }
      }
      if (end <= pos) throw new ParseAbort('policy-violation', 'stanza too large');
      this.feed(end - pos === s.length ? s : s.slice(pos, end), pieceBytes, ascii);
      if (this.state !== OPEN) return;
      pos = end;
    }
  }

  private feed(piece: string, pieceBytes: number, ascii: boolean): void {
    if (this.idleClean) {
      // RFC 6120 §4.6.1: whitespace between stanzas (keepalives) is neither parsed nor counted,
      // so a stanza's size never depends on how the whitespace before it was chunked.
      const k = skipWhitespace(piece, 0);
      if (k === piece.length) return;
      if (k !== 0) {
        piece = piece.slice(k);
        pieceBytes -= k;
      }
    }
    const start = this.fed;
    const sax = this.sax;
    this.boundary = -1;
    sax.write(piece);
    this.fed += piece.length;
    if (this.pending !== null || this.pendingClose) this.flushPending();
    if (this.boundary < 0) {
      this.segBytes += pieceBytes;
      this.idleClean = false;
      return;
    }
    const next = skipWhitespace(piece, Math.max(0, this.boundary - start));
    this.segBytes = ascii ? piece.length - next : Buffer.byteLength(piece.slice(next));
    this.idleClean = this.open.length === 0 && next === piece.length;
  }

  private fail(err: StreamError): void {
    if (this.state === LATCHED) return;
    this.state = LATCHED;
    this.pending = null;
    this.handler.error(err);
  }

  /** Delivers a stanza (or the stream close) whose end tag saxes accepted. */
  private flushPending(): void {
    const el = this.pending;
    const gen = this.gen;
    this.pending = null;
    if (el !== null) this.handler.stanza(el);
    if (this.gen !== gen) throw STALE;
    if (this.pendingClose) {
      this.pendingClose = false;
      this.state = ENDED;
      this.handler.streamClose();
      throw this.gen !== gen ? STALE : STOP;
    }
  }

  private createSax(): Sax {
    const before = (): void => {
      if (this.pending !== null || this.pendingClose) this.flushPending();
    };
    const sax = createSaxes(this.websocket, {
      error: (err) => {
        // A mismatched end tag fails at the very position of the closetag event it caused: the
        // pending stanza was never really closed. Otherwise it completed before the error.
        if (sax.position === this.pendingPos) {
          this.pending = null;
          this.pendingClose = false;
        } else before();
        throw new ParseAbort('not-well-formed', err.message);
      },
      xmldecl: (decl) => {
        // RFC 6120 §11.6: UTF-8 only.
        if (decl.encoding !== undefined && decl.encoding.toLowerCase() !== 'utf-8') {
          throw new ParseAbort('unsupported-encoding', decl.encoding);
        }
      },
      // RFC 6120 §11.1: no comments, processing instructions or DTDs.
      doctype: () => restricted('DTD'),
      comment: () => restricted('comment'),
      pi: () => restricted('processing instruction'),
      attribute: (name, value) => this.ns.attribute(name, value, this.limits),
      opentag: (tag) => {
        before();
        this.openTag(tag);
      },
      text: (text) => {
        before();
        this.addText(text);
      },
      cdata: (text) => {
        before();
        this.addText(text);
      },
      closetag: () => {
        before();
        this.closeTag(sax);
      },
    });
    return sax;
  }

  private openTag(tag: SaxesTagPlain): void {
    const ns = this.ns;
    const rootDepth = this.websocket ? 0 : 1;
    if (ns.depth < rootDepth) {
      this.openRoot(tag);
      return;
    }
    if (ns.depth - rootDepth + 1 > this.maxDepth) {
      throw new ParseAbort('policy-violation', 'elements nested too deep');
    }
    const el = ns.open(tag.name, tag.attributes, this.limits, true);
    const open = this.open;
    if (open.length !== 0) open[open.length - 1].children.push(el);
    open.push(el);
  }

  private openRoot(tag: SaxesTagPlain): void {
    const el = this.ns.open(tag.name, tag.attributes, this.limits, false);
    this.boundary = this.sax.position;
    const gen = this.gen;
    this.handler.streamOpen({
      name: el.name,
      prefix: this.ns.prefix,
      ns: el.ns,
      defaultNs: this.ns.declaredDefault,
      attrs: el.attrs,
    });
    if (this.gen !== gen) throw STALE;
  }

  private closeTag(sax: Sax): void {
    this.ns.close();
    const open = this.open;
    if (open.length === 0) {
      // </stream:stream> (RFC 6120 §4.4); websocket framing never gets here with nothing open.
      this.pendingClose = true;
      this.pendingPos = sax.position;
      return;
    }
    const el = open.pop()!;
    if (open.length !== 0) return;
    // saxes emits closetag before checking that the end tag's name matches: hold the stanza
    // until the next event (or the end of this piece) shows no error followed.
    this.pending = el;
    this.pendingPos = sax.position;
    this.boundary = sax.position;
  }

  private addText(text: string): void {
    const open = this.open;
    if (open.length === 0) {
      // Between stanzas only whitespace may appear (RFC 6120 §4.6.1 keepalives).
      if (skipWhitespace(text, 0) !== text.length)
        throw new ParseAbort('bad-format', 'text outside stanzas');
      return;
    }
    const children = open[open.length - 1].children;
    const last = children.length - 1;
    // Adjacent text and CDATA sections are one text node.
    if (last >= 0 && typeof children[last] === 'string') children[last] += text;
    else children.push(text);
  }
}

function restricted(what: string): never {
  throw new ParseAbort('restricted-xml', `${what} not allowed`);
}

/** Index of the first non-whitespace character of `s` at or after `from`. */
function skipWhitespace(s: string, from: number): number {
  let i = from;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
  }
  return i;
}

import { SaxesParser, type SaxesTagPlain, type XMLDecl } from 'saxes';

export type Sax = SaxesParser<{ xmlns: false; fragment: boolean; position: boolean }>;

/** The saxes events the stream parser listens to. */
export interface SaxEvents {
  error(err: Error): void;
  xmldecl(decl: XMLDecl): void;
  doctype(): void;
  comment(): void;
  pi(): void;
  attribute(name: string, value: string): void;
  opentag(tag: SaxesTagPlain): void;
  text(text: string): void;
  cdata(text: string): void;
  closetag(): void;
}

/**
 * saxes's own handler slots (saxes 6.0: the property names its `on()` writes to).
 *
 * Why not `on()`: it stores each handler with a computed key, and after eight or so such keyed
 * stores V8 switches the parser object to dictionary mode; every property read in saxes's
 * per-character loop then goes through a hash lookup and parsing runs about 6x slower
 * (measured: 105 → 18 MB/s with nine handlers). Plain named stores keep the object's
 * fast properties. The parser's tests fail if saxes ever renames these slots.
 */
interface HandlerSlots {
  errorHandler: (err: Error) => void;
  xmldeclHandler: (decl: XMLDecl) => void;
  doctypeHandler: () => void;
  commentHandler: () => void;
  piHandler: () => void;
  attributeHandler: (attr: { name: string; value: string }) => void;
  openTagHandler: (tag: SaxesTagPlain) => void;
  textHandler: (text: string) => void;
  cdataHandler: (text: string) => void;
  closeTagHandler: () => void;
}

/** saxes without namespace processing (we resolve namespaces ourselves) or position tracking. */
export function createSaxes(fragment: boolean, ev: SaxEvents): Sax {
  const sax: Sax = new SaxesParser({ xmlns: false, fragment, position: false });
  const slots = sax as unknown as HandlerSlots;
  slots.errorHandler = (err) => ev.error(err);
  slots.xmldeclHandler = (decl) => ev.xmldecl(decl);
  slots.doctypeHandler = () => ev.doctype();
  slots.commentHandler = () => ev.comment();
  slots.piHandler = () => ev.pi();
  slots.attributeHandler = (attr) => ev.attribute(attr.name, attr.value);
  slots.openTagHandler = (tag) => ev.opentag(tag);
  slots.textHandler = (text) => ev.text(text);
  slots.cdataHandler = (text) => ev.cdata(text);
  slots.closeTagHandler = () => ev.closetag();
  return sax;
}

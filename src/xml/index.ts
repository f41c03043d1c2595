export { type Attrs, Element, emptyAttrs, type Node, x } from './element.ts';
export * from './namespaces.ts';
export {
  type StreamOpen,
  type StreamParserHandler,
  type StreamParserOptions,
  XmppStreamParser,
} from './parser.ts';
export { escapeAttr, escapeText, serialize } from './serializer.ts';

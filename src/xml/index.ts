export { type Attrs, Element, emptyAttrs, type Node, x } from './element.ts';
export * from './namespaces.ts';

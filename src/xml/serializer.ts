import type { Element } from './element.ts';

const TEXT_SPECIAL = /[&<>]/;
const TEXT_SPECIAL_G = /[&<>]/g;
const ATTR_SPECIAL = /[&<>"'\n\r\t]/;
const ATTR_SPECIAL_G = /[&<>"'\n\r\t]/g;

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  // Stream headers, BOSH bodies and WebSocket <open/> are written single-quoted and echo
  // client-chosen values (xml:lang): both quote characters are escaped everywhere.
  "'": '&apos;',
  // Character references keep these intact: a parser normalizes literal ones in attribute
  // values to spaces (XML 1.0 §3.3.3).
  '\n': '&#10;',
  '\r': '&#13;',
  '\t': '&#9;',
};

const replace = (c: string): string => ESCAPES[c];

/** Escapes character data. '>' too, so that "]]>" can never appear. */
export function escapeText(s: string): string {
  return TEXT_SPECIAL.test(s) ? s.replace(TEXT_SPECIAL_G, replace) : s;
}

/** Escapes a value for an attribute, single- or double-quoted. */
export function escapeAttr(s: string): string {
  return ATTR_SPECIAL.test(s) ? s.replace(ATTR_SPECIAL_G, replace) : s;
}

/**
 * Writes an element as XML. `xmlns` is written only where the element's namespace differs
 * from `parentNs` (the namespace its context already declares: e.g. jabber:client for a
 * stanza written inside a client stream). Attribute names, prefixed ones such as xml:lang
 * included, are written as they are.
 */
export function serialize(el: Element, parentNs?: string): string {
  let out = '<' + el.name;
  if (el.ns !== parentNs) out += ' xmlns="' + escapeAttr(el.ns) + '"';
  const attrs = el.attrs;
  for (const key in attrs) out += ' ' + key + '="' + escapeAttr(attrs[key]) + '"';
  const children = el.children;
  if (children.length === 0) return out + '/>';
  out += '>';
  const ns = el.ns;
  for (let i = 0; i < children.length; i++) {
    const c = children[i];
    out += typeof c === 'string' ? escapeText(c) : serialize(c, ns);
  }
  return out + '</' + el.name + '>';
}

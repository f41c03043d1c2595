/**
 * An XML element as XMPP uses it: a name, its resolved namespace, attributes and children.
 *
 * Attributes live in a null-prototype object so that input such as `__proto__="x"` can never
 * reach Object.prototype (prototype pollution). Namespace declarations are not attributes
 * here: `ns` holds the element's resolved namespace and the serializer writes `xmlns` only
 * where it differs from the parent's.
 */
export type Attrs = Record<string, string>;
export type Node = Element | string;

export function emptyAttrs(): Attrs {
  return Object.create(null) as Attrs;
}

export class Element {
  readonly name: string;
  ns: string;
  readonly attrs: Attrs;
  readonly children: Node[];

  constructor(
    name: string,
    ns: string,
    attrs?: Record<string, string | undefined>,
    children?: Node[],
  ) {
    this.name = name;
    this.ns = ns;
    this.attrs = emptyAttrs();
    if (attrs) {
      for (const key of Object.keys(attrs)) {
        const value = attrs[key];
        if (value !== undefined) this.attrs[key] = value;
      }
    }
    this.children = children ?? [];
  }

  attr(name: string): string | undefined {
    return this.attrs[name];
  }

  setAttr(name: string, value: string | undefined): this {
    if (value === undefined) delete this.attrs[name];
    else this.attrs[name] = value;
    return this;
  }

  append(...nodes: Node[]): this {
    for (const n of nodes) this.children.push(n);
    return this;
  }

  /** Adds and returns a new child element (namespace inherited unless given). */
  c(name: string, attrs?: Record<string, string | undefined>, ns?: string): Element {
    const child = new Element(name, ns ?? this.ns, attrs);
    this.children.push(child);
    return child;
  }

  elements(): Element[] {
    const out: Element[] = [];
    for (const c of this.children) if (typeof c !== 'string') out.push(c);
    return out;
  }

  getChild(name: string, ns?: string): Element | undefined {
    for (const c of this.children) {
      if (typeof c !== 'string' && c.name === name && (ns === undefined || c.ns === ns)) return c;
    }
    return undefined;
  }

  getChildren(name: string, ns?: string): Element[] {
    const out: Element[] = [];
    for (const c of this.children) {
      if (typeof c !== 'string' && c.name === name && (ns === undefined || c.ns === ns))
        out.push(c);
    }
    return out;
  }

  /** First child element in namespace `ns`, whatever its name. */
  getChildByNs(ns: string): Element | undefined {
    for (const c of this.children) if (typeof c !== 'string' && c.ns === ns) return c;
    return undefined;
  }

  text(): string {
    let s = '';
    for (const c of this.children) if (typeof c === 'string') s += c;
    return s;
  }

  getChildText(name: string, ns?: string): string | undefined {
    return this.getChild(name, ns)?.text();
  }

  removeChildren(pred: (e: Element) => boolean): this {
    for (let i = this.children.length - 1; i >= 0; i--) {
      const c = this.children[i];
      if (typeof c !== 'string' && pred(c)) this.children.splice(i, 1);
    }
    return this;
  }

  /** Deep copy: stanzas are copied before one recipient's hooks may change them. */
  clone(): Element {
    const copy = new Element(this.name, this.ns, this.attrs);
    for (const c of this.children) copy.children.push(typeof c === 'string' ? c : c.clone());
    return copy;
  }
}

/** Shorthand builder: `x('message', NS_CLIENT, { to }, x('body', NS_CLIENT, {}, 'hi'))`. */
export function x(
  name: string,
  ns: string,
  attrs?: Record<string, string | undefined>,
  ...children: (Node | undefined | null | false)[]
): Element {
  const el = new Element(name, ns, attrs);
  for (const c of children) if (c !== undefined && c !== null && c !== false) el.children.push(c);
  return el;
}

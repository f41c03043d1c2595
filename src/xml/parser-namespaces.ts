import { StreamError, type StreamErrorCondition } from '../errors/stream-error.ts';
import { type Attrs, Element } from './element.ts';
import { NS_XML } from './namespaces.ts';

const NS_XMLNS = 'http://www.w3.org/2000/xmlns/';

/** Thrown inside saxes callbacks to stop parsing at once; XmppStreamParser turns it into error(). */
export class ParseAbort {
  readonly error: StreamError;
  constructor(condition: StreamErrorCondition, text: string) {
    this.error = new StreamError(condition, text);
  }
}

type PrefixMap = Map<string, string>;

export interface NameLimits {
  maxAttrs: number;
  maxNameLength: number;
}

/**
 * Namespaces in XML 1.0 resolution for a parser that runs saxes with `xmlns: false`.
 *
 * One frame per open element: its default namespace and its prefix map. A prefix map is copied
 * only by an element that declares prefixes (rare inside stanzas), otherwise the parent's map is
 * shared, so an ordinary element costs two array pushes.
 */
export class NamespaceStack {
  private readonly defaults: string[] = [];
  private readonly prefixMaps: (PrefixMap | undefined)[] = [];
  /** Default namespace in effect outside any element (websocket framing: none). */
  private readonly outerDefault: string;
  /** `xmlns="..."` written on the element last opened, undefined if it had none. */
  declaredDefault: string | undefined;
  /** Prefix of the element last opened ('' if none). */
  prefix = '';
  /** Scratch for the tag being read: its attribute count, declarations and prefixed names. */
  private attrCount = 0;
  private readonly decls: string[] = [];
  private readonly prefixed: string[] = [];

  constructor(outerDefault = '') {
    this.outerDefault = outerDefault;
  }

  get depth(): number {
    return this.defaults.length;
  }

  clear(): void {
    this.defaults.length = 0;
    this.prefixMaps.length = 0;
  }

  close(): void {
    this.defaults.pop();
    this.prefixMaps.pop();
  }

  /**
   * Called by saxes for each attribute of the tag being read, before `open()`. Limits are
   * checked here so that an attribute flood stops at the first attribute too many.
   */
  attribute(name: string, value: string, limits: NameLimits): void {
    if (++this.attrCount > limits.maxAttrs) abort('policy-violation', 'too many attributes');
    if (name.length > limits.maxNameLength) abort('policy-violation', 'attribute name too long');
    // 'x' = 120, ':' = 58
    if (
      name.charCodeAt(0) === 120 &&
      name.startsWith('xmlns') &&
      (name.length === 5 || name.charCodeAt(5) === 58)
    ) {
      this.decls.push(name, value);
    } else if (name.indexOf(':') !== -1) {
      this.prefixed.push(name);
    }
  }

  /**
   * Builds the Element for a start tag and pushes its namespace frame. Namespace declarations
   * are consumed; the other attributes stay in saxes's fresh per-tag null-prototype map, which
   * becomes the element's attrs (adopted, not copied: this is the hot path). When `keepDecls` is set, a prefixed attribute (other than xml:) gets its `xmlns:p` declaration
   * copied onto the element, so the element serializes on its own.
   */
  open(qname: string, attributes: Attrs, limits: NameLimits, keepDecls: boolean): Element {
    if (qname.length > limits.maxNameLength) abort('policy-violation', 'element name too long');
    const d = this.defaults.length;
    const inherited = d === 0 ? undefined : this.prefixMaps[d - 1];
    let inScope = d === 0 ? this.outerDefault : this.defaults[d - 1];
    let own: PrefixMap | undefined;
    this.declaredDefault = undefined;
    this.attrCount = 0;

    const colon = qname.indexOf(':');
    const el = new Element(colon === -1 ? qname : qname.slice(colon + 1), '');
    // saxes builds a fresh null-prototype map per tag: adopt it instead of copying it.
    (el as { attrs: Attrs }).attrs = attributes;
    const decls = this.decls;
    if (decls.length !== 0) {
      for (let i = 0; i < decls.length; i += 2) {
        const key = decls[i];
        const value = decls[i + 1];
        delete attributes[key];
        if (key.length === 5) {
          checkNamespaceName(value, false);
          inScope = value;
          this.declaredDefault = value;
        } else {
          const p = key.slice(6);
          checkPrefixBinding(p, value);
          own ??= new Map(inherited);
          own.set(p, value);
        }
      }
      decls.length = 0;
    }
    const prefixes = own ?? inherited;
    if (this.prefixed.length !== 0) {
      resolveAttrPrefixes(attributes, prefixes, this.prefixed, keepDecls);
      this.prefixed.length = 0;
    }

    if (colon === -1) {
      this.prefix = '';
      el.ns = inScope;
    } else {
      checkQName(qname);
      const p = qname.slice(0, colon);
      const uri = p === 'xmlns' || p === 'xml' ? undefined : prefixes?.get(p);
      if (uri === undefined) abort('not-well-formed', `unbound element prefix: ${p}`);
      this.prefix = p;
      el.ns = uri;
    }
    // Children inherit the default namespace, not a prefixed parent's namespace.
    this.defaults.push(inScope);
    this.prefixMaps.push(prefixes);
    return el;
  }
}

function abort(condition: StreamErrorCondition, text: string): never {
  throw new ParseAbort(condition, text);
}

/** A QName has at most one colon, neither first nor last (Namespaces in XML 1.0 §4). */
function checkQName(name: string): void {
  const i = name.indexOf(':');
  if (i <= 0 || i === name.length - 1 || name.indexOf(':', i + 1) !== -1) {
    abort('not-well-formed', `malformed qualified name: ${name}`);
  }
}

// Namespaces in XML 1.0 §3: the xml and xmlns namespaces are reserved.
function checkNamespaceName(uri: string, prefixed: boolean): void {
  if (uri === NS_XMLNS || uri === NS_XML || (prefixed && uri === '')) {
    abort('not-well-formed', `illegal namespace binding: "${uri}"`);
  }
}

function checkPrefixBinding(prefix: string, uri: string): void {
  if (prefix === '' || prefix.indexOf(':') !== -1) abort('not-well-formed', 'malformed xmlns:');
  if (prefix === 'xml') {
    if (uri !== NS_XML) abort('not-well-formed', 'xml prefix rebound');
    return;
  }
  if (prefix === 'xmlns') abort('not-well-formed', 'xmlns prefix declared');
  checkNamespaceName(uri, true);
}

function resolveAttrPrefixes(
  attrs: Attrs,
  prefixes: PrefixMap | undefined,
  prefixed: string[],
  keepDecls: boolean,
): void {
  // Expanded names must be unique (Namespaces in XML 1.0 §6.3); only checked when two or more
  // prefixed attributes could collide.
  const seen = prefixed.length > 1 ? new Set<string>() : undefined;
  for (const key of prefixed) {
    checkQName(key);
    const colon = key.indexOf(':');
    const p = key.slice(0, colon);
    const uri = p === 'xml' ? NS_XML : prefixes?.get(p);
    if (uri === undefined) abort('not-well-formed', `unbound attribute prefix: ${p}`);
    if (seen !== undefined) {
      const expanded = `{${uri}}${key.slice(colon + 1)}`;
      if (seen.has(expanded)) abort('not-well-formed', `duplicate attribute: ${expanded}`);
      seen.add(expanded);
    }
    if (keepDecls && p !== 'xml') attrs[`xmlns:${p}`] = uri;
  }
}

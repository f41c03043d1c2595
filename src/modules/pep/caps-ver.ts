import { createHash } from 'node:crypto';
import { type Element, NS_DATA_FORMS, NS_DISCO_INFO } from '../../xml/index.ts';
import { NS_CAPS } from './ns.ts';

/** The XEP-0115 <c/> of a presence: who generated it, the hash function and the ver string. */
export interface Caps {
  node: string;
  hash: string;
  ver: string;
}

/** XEP-0115 §4: the caps element of a presence; legacy caps (no hash) are not verifiable. */
export function capsOf(presence: Element): Caps | undefined {
  const c = presence.getChild('c', NS_CAPS);
  const node = c?.attrs.node;
  const hash = c?.attrs.hash;
  const ver = c?.attrs.ver;
  if (!node || !hash || !ver) return undefined;
  return { node, hash, ver };
}

/** Key of a caps cache: the hash function and the ver string (same ver, same features). */
export const capsKey = (c: Caps): string => `${c.hash} ${c.ver}`;

/** Node's names of the IANA hash functions XEP-0115 §5.1 allows. */
const HASHES: Record<string, string> = {
  'sha-1': 'sha1',
  'sha-224': 'sha224',
  'sha-256': 'sha256',
  'sha-384': 'sha384',
  'sha-512': 'sha512',
};

/**
 * XEP-0115 §5.1 and §5.4: the ver string of a disco#info result with `hash`, or undefined when
 * the result is malformed (duplicate identities or features, a form without a hidden FORM_TYPE,
 * two forms of one FORM_TYPE) or the hash function is unknown.
 */
export function verString(info: Element, hash: string): string | undefined {
  const algo = HASHES[hash];
  if (!algo) return undefined;
  // §5.1 2: identities sorted by category, then type, then xml:lang (then name).
  const tuples = info.getChildren('identity', NS_DISCO_INFO).map((id) => {
    const a = id.attrs;
    return [a.category ?? '', a.type ?? '', a['xml:lang'] ?? '', a.name ?? ''];
  });
  tuples.sort((a, b) => {
    for (let i = 0; i < 4; i++) {
      const c = compareOctets(a[i]!, b[i]!);
      if (c !== 0) return c;
    }
    return 0;
  });
  const ids = tuples.map((t) => t.join('/'));
  const features = info.getChildren('feature', NS_DISCO_INFO).map((f) => f.attrs.var ?? '');
  if (hasDuplicates(ids) || hasDuplicates(features)) return undefined;
  let s = '';
  for (const id of ids) s += `${id}<`;
  for (const f of features.sort(compareOctets)) s += `${f}<`;
  const forms = extendedForms(info);
  if (!forms) return undefined;
  for (const form of forms) s += form;
  return createHash(algo).update(s, 'utf8').digest('base64');
}

/** §5.4 3.3–3.6: each XEP-0128 form as its part of S, in FORM_TYPE order. */
function extendedForms(info: Element): string[] | undefined {
  const out: { type: string; text: string }[] = [];
  for (const form of info.getChildren('x', NS_DATA_FORMS)) {
    if (form.attrs.type !== 'result') continue;
    let type: string | undefined;
    const fields: { v: string; values: string[] }[] = [];
    for (const f of form.getChildren('field', NS_DATA_FORMS)) {
      const values = f.getChildren('value', NS_DATA_FORMS).map((v) => v.text());
      if (f.attrs.var === 'FORM_TYPE') {
        if (f.attrs.type !== 'hidden' || values.length !== 1 || type !== undefined)
          return undefined;
        type = values[0]!;
      } else fields.push({ v: f.attrs.var ?? '', values });
    }
    // §5.4 3.6: a form without FORM_TYPE is ignored.
    if (type === undefined) continue;
    let text = `${type}<`;
    for (const f of fields.sort((a, b) => compareOctets(a.v, b.v))) {
      text += `${f.v}<`;
      for (const v of f.values.sort(compareOctets)) text += `${v}<`;
    }
    out.push({ type, text });
  }
  if (hasDuplicates(out.map((f) => f.type))) return undefined;
  return out.sort((a, b) => compareOctets(a.type, b.type)).map((f) => f.text);
}

function hasDuplicates(list: readonly string[]): boolean {
  return new Set(list).size !== list.length;
}

/** §5.1: "sorted using i;octet collation" (byte order of UTF-8 = code point order). */
function compareOctets(a: string, b: string): number {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return Buffer.compare(x, y);
}

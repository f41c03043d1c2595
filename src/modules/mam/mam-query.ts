import { StanzaError } from '../../errors/index.ts';
import { tryParseJid } from '../../jid/index.ts';
import { type Element, NS_DATA_FORMS, NS_MAM, NS_RSM, x } from '../../xml/index.ts';
import type { MamFilter, MamPageRequest } from './mam-store.ts';

/** A parsed XEP-0313 §4 query. */
export interface MamQuery {
  queryId: string | undefined;
  filter: MamFilter;
  page: MamPageRequest;
  /** §4.3.5 <flip-page/>: send the page newest first. */
  flip: boolean;
}

export interface PageLimits {
  /** Page size when the client gives no <max/>. */
  defaultMax: number;
  /** Larger <max/> values are lowered to this (XEP-0059 §2.1: the server may return fewer). */
  maxMax: number;
}

/** XEP-0082 DateTime profile. */
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const bad = (text: string) => new StanzaError('bad-request', { text });

/** Reads the filters (XEP-0004 form) and paging (XEP-0059 set) of a query; throws StanzaError. */
export function parseMamQuery(query: Element, limits: PageLimits): MamQuery {
  const form = query.getChild('x', NS_DATA_FORMS);
  return {
    queryId: query.attrs.queryid,
    filter: form ? parseForm(form) : {},
    page: parseSet(query.getChild('set', NS_RSM), limits),
    flip: query.getChild('flip-page', NS_MAM) !== undefined,
  };
}

function parseForm(form: Element): MamFilter {
  if ((form.attrs.type ?? 'submit') !== 'submit') throw bad('the form must be of type submit');
  const filter: MamFilter = {};
  for (const field of form.getChildren('field', NS_DATA_FORMS)) {
    const name = field.attrs.var;
    const values = field.getChildren('value', NS_DATA_FORMS).map((v) => v.text().trim());
    if (values.length > 1) throw bad(`field ${name} has several values`);
    const value = values[0];
    if (name === 'FORM_TYPE') {
      if (value !== NS_MAM) throw bad(`FORM_TYPE must be ${NS_MAM}`);
      continue;
    }
    // XEP-0004 §3.3: an empty field is as good as absent.
    if (value === undefined || value === '') continue;
    switch (name) {
      case 'with': {
        const jid = tryParseJid(value);
        if (!jid || jid.domain === '') throw bad('with is not a valid JID');
        filter.with = jid.bareString();
        if (!jid.isBare()) filter.withResource = jid.resource;
        break;
      }
      case 'start':
        filter.start = parseDateTime(value, name);
        break;
      case 'end':
        filter.end = parseDateTime(value, name);
        break;
      default:
        // XEP-0313 §4.1.4: a field the server does not recognise.
        throw new StanzaError('feature-not-implemented', { text: `unknown field ${name}` });
    }
  }
  return filter;
}

function parseDateTime(value: string, name: string): number {
  const ms = DATETIME.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) throw bad(`${name} is not an XEP-0082 DateTime`);
  return ms;
}

function parseSet(set: Element | undefined, limits: PageLimits): MamPageRequest {
  let max = limits.defaultMax;
  if (!set) return { max };
  const maxText = set.getChildText('max', NS_RSM)?.trim();
  if (maxText !== undefined) {
    if (!/^\d{1,9}$/.test(maxText)) throw bad('max must be a non-negative integer');
    max = Math.min(Number(maxText), limits.maxMax);
  }
  const after = set.getChildText('after', NS_RSM)?.trim();
  const before = set.getChildText('before', NS_RSM)?.trim();
  if (after !== undefined && before !== undefined) throw bad('after and before together');
  // XEP-0059 §2.1: <after/> needs an id; an empty <before/> means the last page (§2.5).
  if (after === '') throw bad('after needs an id');
  if (set.getChild('index', NS_RSM)) {
    throw new StanzaError('feature-not-implemented', { text: 'RSM index is not supported' });
  }
  const page: MamPageRequest = { max };
  if (after !== undefined) page.after = after;
  if (before !== undefined) page.before = before;
  return page;
}

/** XEP-0313 §4.1.4: the fields a query may use. */
export function queryForm(): Element {
  return x(
    'query',
    NS_MAM,
    {},
    x(
      'x',
      NS_DATA_FORMS,
      { type: 'form' },
      x(
        'field',
        NS_DATA_FORMS,
        { type: 'hidden', var: 'FORM_TYPE' },
        x('value', NS_DATA_FORMS, {}, NS_MAM),
      ),
      x('field', NS_DATA_FORMS, { type: 'jid-single', var: 'with' }),
      x('field', NS_DATA_FORMS, { type: 'text-single', var: 'start' }),
      x('field', NS_DATA_FORMS, { type: 'text-single', var: 'end' }),
    ),
  );
}

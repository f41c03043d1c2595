import {
  type Element,
  NS_CLIENT,
  NS_DATA_FORMS,
  NS_FORWARD,
  NS_MAM,
  NS_RSM,
  x,
} from '../../src/xml/index.ts';
import type { TestClient } from '../support/xmpp-client.ts';

export interface MamQueryOptions {
  with?: string;
  start?: string;
  end?: string;
  max?: number;
  after?: string;
  before?: string;
}

export interface MamAnswer {
  /** The IQ reply (result or error). */
  iq: Element;
  /** The archived messages, unwrapped from <result><forwarded/>. */
  messages: Element[];
  /** The result ids (RSM ids). */
  ids: string[];
  results: Element[];
  fin: Element | undefined;
}

let seq = 0;

/** Sends a XEP-0313 query to `archive` and collects the result messages until the IQ reply. */
export async function mamQuery(
  c: TestClient,
  archive: string,
  o: MamQueryOptions = {},
): Promise<MamAnswer> {
  const queryid = `q${++seq}`;
  const id = `mam-${seq}`;
  const form = x(
    'x',
    NS_DATA_FORMS,
    { type: 'submit' },
    x('field', NS_DATA_FORMS, { var: 'FORM_TYPE' }, x('value', NS_DATA_FORMS, {}, NS_MAM)),
  );
  for (const f of ['with', 'start', 'end'] as const) {
    const v = o[f];
    if (v !== undefined) {
      form.append(x('field', NS_DATA_FORMS, { var: f }, x('value', NS_DATA_FORMS, {}, v)));
    }
  }
  const set = x('set', NS_RSM);
  if (o.max !== undefined) set.append(x('max', NS_RSM, {}, String(o.max)));
  if (o.after !== undefined) set.append(x('after', NS_RSM, {}, o.after));
  if (o.before !== undefined) set.append(x('before', NS_RSM, {}, o.before));
  c.send(
    x(
      'iq',
      NS_CLIENT,
      { type: 'set', id, to: archive },
      x('query', NS_MAM, { queryid }, form, set),
    ),
  );
  const results: Element[] = [];
  for (;;) {
    const el = await c.expect(
      (s) =>
        (s.name === 'iq' && s.attrs.id === id) ||
        (s.name === 'message' && s.getChild('result', NS_MAM)?.attrs.queryid === queryid),
    );
    if (el.name === 'iq') {
      return {
        iq: el,
        results,
        messages: results.map(
          (r) =>
            r
              .getChild('result', NS_MAM)
              ?.getChild('forwarded', NS_FORWARD)
              ?.getChild('message', NS_CLIENT) as Element,
        ),
        ids: results.map((r) => r.getChild('result', NS_MAM)?.attrs.id ?? ''),
        fin: el.getChild('fin', NS_MAM),
      };
    }
    results.push(el);
  }
}

export function rsm(fin: Element | undefined): { first?: string; last?: string; count?: string } {
  const set = fin?.getChild('set', NS_RSM);
  return {
    first: set?.getChildText('first', NS_RSM),
    last: set?.getChildText('last', NS_RSM),
    count: set?.getChildText('count', NS_RSM),
  };
}

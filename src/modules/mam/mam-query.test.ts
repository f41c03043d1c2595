import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StanzaError } from '../../errors/index.ts';
import { type Element, NS_DATA_FORMS, NS_MAM, NS_RSM, x } from '../../xml/index.ts';
import { parseMamQuery } from './mam-query.ts';

const LIMITS = { defaultMax: 50, maxMax: 250 };

const field = (name: string, ...values: string[]) =>
  x('field', NS_DATA_FORMS, { var: name }, ...values.map((v) => x('value', NS_DATA_FORMS, {}, v)));
const form = (...fields: Element[]) =>
  x('x', NS_DATA_FORMS, { type: 'submit' }, field('FORM_TYPE', NS_MAM), ...fields);
const set = (...children: Element[]) => x('set', NS_RSM, {}, ...children);
const rsm = (name: string, text = '') => x(name, NS_RSM, {}, text);
const query = (...children: Element[]) => x('query', NS_MAM, { queryid: 'q1' }, ...children);

const condition = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof StanzaError) return err.condition;
    throw err;
  }
  return 'none';
};

describe('MAM query parsing (XEP-0313 §4, XEP-0059)', () => {
  test('no form and no set: everything, default page size, first page', () => {
    assert.deepEqual(parseMamQuery(query(), LIMITS), {
      queryId: 'q1',
      filter: {},
      page: { max: 50 },
      flip: false,
    });
  });

  test('with (bare and full), start and end are read', () => {
    const q = parseMamQuery(
      query(
        form(
          field('with', 'Juliet@Capulet.lit/balcony'),
          field('start', '2010-06-07T00:00:00Z'),
          field('end', '2010-07-07T13:23:54.5+02:00'),
        ),
      ),
      LIMITS,
    );
    assert.deepEqual(q.filter, {
      with: 'juliet@capulet.lit',
      withResource: 'balcony',
      start: Date.UTC(2010, 5, 7),
      end: Date.UTC(2010, 6, 7, 11, 23, 54, 500),
    });
    const bare = parseMamQuery(query(form(field('with', 'romeo@montague.lit'))), LIMITS);
    assert.deepEqual(bare.filter, { with: 'romeo@montague.lit' });
  });

  test('RSM max is capped, after/before are passed, empty before means the last page', () => {
    assert.deepEqual(parseMamQuery(query(set(rsm('max', '1000'))), LIMITS).page, { max: 250 });
    assert.deepEqual(parseMamQuery(query(set(rsm('max', '0'))), LIMITS).page, { max: 0 });
    assert.deepEqual(parseMamQuery(query(set(rsm('max', '5'), rsm('after', 'abc'))), LIMITS).page, {
      max: 5,
      after: 'abc',
    });
    assert.equal(parseMamQuery(query(set(rsm('before'))), LIMITS).page.before, '');
    assert.equal(parseMamQuery(query(x('flip-page', NS_MAM)), LIMITS).flip, true);
  });

  test('invalid values are bad-request, unknown fields feature-not-implemented', () => {
    const cases: [Element, string][] = [
      [query(x('x', NS_DATA_FORMS, { type: 'form' })), 'bad-request'],
      [query(x('x', NS_DATA_FORMS, {}, field('FORM_TYPE', 'urn:xmpp:mam:1'))), 'bad-request'],
      [query(form(field('start', '2010-06-07'))), 'bad-request'],
      [query(form(field('end', 'tomorrow'))), 'bad-request'],
      [query(form(field('start', '2010-02-30T25:00:00Z'))), 'bad-request'],
      [query(form(field('with', 'a@b', 'c@d'))), 'bad-request'],
      [query(form(field('with', '@@'))), 'bad-request'],
      [query(set(rsm('max', '-1'))), 'bad-request'],
      [query(set(rsm('max', 'ten'))), 'bad-request'],
      [query(set(rsm('after'))), 'bad-request'],
      [query(set(rsm('after', 'a'), rsm('before', 'b'))), 'bad-request'],
      [query(form(field('ids', 'x'))), 'feature-not-implemented'],
      [query(set(rsm('index', '3'))), 'feature-not-implemented'],
    ];
    for (const [q, want] of cases) {
      assert.equal(
        condition(() => parseMamQuery(q, LIMITS)),
        want,
      );
    }
  });

  test('empty fields are ignored', () => {
    assert.deepEqual(
      parseMamQuery(query(form(field('with', ''), field('start'))), LIMITS).filter,
      {},
    );
  });
});

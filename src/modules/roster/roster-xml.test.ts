import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StanzaError } from '../../errors/index.ts';
import { type Element, NS_ROSTER, x } from '../../xml/index.ts';
import { itemElement, MAX_NAME_LENGTH, parseRosterSet } from './roster-xml.ts';

const query = (...items: Element[]) => x('query', NS_ROSTER, {}, ...items);
const group = (g: string) => x('group', NS_ROSTER, {}, g);

function rejects(q: Element, condition: string): void {
  assert.throws(
    () => parseRosterSet(q),
    (e: unknown) => e instanceof StanzaError && e.condition === condition,
  );
}

describe('parseRosterSet (RFC 6121 §2.3.3)', () => {
  test('reads jid, name and groups', () => {
    const set = parseRosterSet(
      query(x('item', NS_ROSTER, { jid: 'Bob@Example.org', name: 'Bob' }, group('A'), group('B'))),
    );
    assert.equal(set.kind, 'update');
    if (set.kind !== 'update') return;
    assert.equal(set.jid.toString(), 'bob@example.org');
    assert.equal(set.name, 'Bob');
    assert.deepEqual(set.groups, ['A', 'B']);
  });

  test('subscription=remove is a removal; other subscription values are ignored', () => {
    assert.equal(
      parseRosterSet(query(x('item', NS_ROSTER, { jid: 'b@x', subscription: 'remove' }))).kind,
      'remove',
    );
    const set = parseRosterSet(
      query(x('item', NS_ROSTER, { jid: 'b@x', subscription: 'both', ask: 'subscribe' })),
    );
    assert.equal(set.kind, 'update');
  });

  test('errors: no item, two items, missing or bad jid', () => {
    rejects(query(), 'bad-request');
    rejects(
      query(x('item', NS_ROSTER, { jid: 'a@x' }), x('item', NS_ROSTER, { jid: 'b@x' })),
      'bad-request',
    );
    rejects(query(x('item', NS_ROSTER, {})), 'bad-request');
    rejects(query(x('item', NS_ROSTER, { jid: '@bad' })), 'bad-request');
  });

  test('errors: empty group, duplicate group, name too long', () => {
    rejects(query(x('item', NS_ROSTER, { jid: 'a@x' }, group(''))), 'not-acceptable');
    rejects(query(x('item', NS_ROSTER, { jid: 'a@x' }, group('G'), group('G'))), 'bad-request');
    rejects(
      query(x('item', NS_ROSTER, { jid: 'a@x', name: 'n'.repeat(MAX_NAME_LENGTH + 1) })),
      'not-acceptable',
    );
  });
});

test('itemElement writes ask only when a request is pending', () => {
  const base = { jid: 'b@x', name: 'B', groups: ['G'], subscription: 'to' as const };
  const pending = itemElement({ ...base, askOut: true });
  assert.equal(pending.attrs.ask, 'subscribe');
  assert.equal(pending.attrs.subscription, 'to');
  assert.equal(pending.getChildText('group', NS_ROSTER), 'G');
  assert.equal(itemElement({ ...base, askOut: false }).attrs.ask, undefined);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serialize, x } from '../../xml/index.ts';
import { parseStoredXml } from './stored-xml.ts';

test('what the serializer wrote reads back as the same elements', () => {
  const a = x('vCard', 'vcard-temp', {}, x('FN', 'vcard-temp', {}, 'Zoë & <b> 😀'));
  const b = x(
    'storage',
    'storage:bookmarks',
    {},
    x('conference', 'storage:bookmarks', { jid: 'r@m' }),
  );
  const parsed = parseStoredXml(serialize(a) + serialize(b), 4096);
  assert.deepEqual(
    parsed?.map((e) => serialize(e)),
    [serialize(a), serialize(b)],
  );
  assert.equal(parsed?.[0]?.getChildText('FN', 'vcard-temp'), 'Zoë & <b> 😀');
});

test('malformed, oversized or restricted XML yields undefined', () => {
  assert.equal(parseStoredXml('<a xmlns="x"><b></a>', 4096), undefined);
  assert.equal(parseStoredXml(`<a xmlns="x">${'y'.repeat(200)}</a>`, 100), undefined);
  assert.equal(parseStoredXml('<!DOCTYPE a><a xmlns="x"/>', 4096), undefined);
});

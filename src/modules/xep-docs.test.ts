import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { s } from '../config/index.ts';
import { defineModule } from './module-api.ts';
import { ALL_MODULES } from './registry.ts';
import { renderXepDocs, XEP_DOCS_PATH, xepRows } from './xep-docs.ts';
import { XEP_TITLES } from './xep-titles.ts';

test('docs/xeps.md is up to date with the modules (run: node --import tsx src/modules/xep-docs.ts)', () => {
  assert.equal(readFileSync(XEP_DOCS_PATH, 'utf8'), renderXepDocs());
});

test('every XEP a module declares has a known title and a version', () => {
  for (const m of ALL_MODULES) {
    for (const d of m.xeps) {
      assert.ok(XEP_TITLES[d.xep], `${m.id} declares XEP-${d.xep}: add its title to xep-titles.ts`);
      assert.match(d.version, /^\d+\.\d+/, `${m.id} XEP-${d.xep} version`);
    }
  }
});

test('rows are ordered by XEP then module, with defaults marked and notes escaped', () => {
  const options = s.object({}, { doc: 'none' });
  const start = async () => ({});
  const a = defineModule({
    id: 'mod_b',
    summary: '',
    options,
    start,
    xeps: [
      { xep: 199, version: '2.0.1', note: 'a | b' },
      { xep: 12, version: '2.0' },
    ],
  });
  const b = defineModule({
    id: 'mod_a',
    summary: '',
    options,
    start,
    xeps: [{ xep: 199, version: '1.0' }],
  });
  const rows = xepRows([a, b], ['mod_a']);
  assert.deepEqual(
    rows.map((r) => [r.xep, r.module]),
    [
      [12, 'mod_b'],
      [199, 'mod_a (default)'],
      [199, 'mod_b'],
    ],
  );
  const md = renderXepDocs([a, b], []);
  assert.ok(
    md.includes(
      '| [XEP-0199](https://xmpp.org/extensions/xep-0199.html) | XMPP Ping | 2.0.1 | mod_b | a \\| b |',
    ),
  );
});

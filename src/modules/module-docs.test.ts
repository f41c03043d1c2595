import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { describeSchema } from '../config/index.ts';
import { MODULE_DOCS_PATH, renderModuleDocs } from './module-docs.ts';
import { ALL_MODULES } from './registry.ts';

test('docs/modules.md is up to date with the modules (run: node --import tsx src/modules/module-docs.ts)', () => {
  assert.equal(readFileSync(MODULE_DOCS_PATH, 'utf8'), renderModuleDocs());
});

test('every module option has a one-line doc and appears in docs/modules.md', () => {
  const text = renderModuleDocs();
  for (const m of ALL_MODULES) {
    assert.ok(text.includes(`## ${m.id}`), m.id);
    for (const row of describeSchema(m.options)) {
      assert.ok(row.doc.length > 0 && !row.doc.includes('\n'), `${m.id}.${row.key}`);
      assert.ok(text.includes(`\`${row.key}\``), `${m.id}.${row.key} documented`);
    }
  }
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CONFIG_DOCS_PATH, renderConfigDocs } from './docs.ts';
import { buildConfigSchema } from './meerkat-schema.ts';
import { describeSchema } from './schema.ts';

test('docs/configuration.md is up to date with the schema (run: node --import tsx src/config/docs.ts)', () => {
  assert.equal(readFileSync(CONFIG_DOCS_PATH, 'utf8'), renderConfigDocs());
});

test('every documented option has a one-line doc', () => {
  const rows = describeSchema(buildConfigSchema({ moduleSchemas: {} }));
  assert.ok(rows.length > 50);
  for (const row of rows) {
    assert.ok(row.doc.length > 0 && !row.doc.includes('\n'), row.key);
  }
});

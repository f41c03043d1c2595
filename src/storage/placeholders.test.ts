import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rewritePlaceholders } from './placeholders.ts';

describe('rewritePlaceholders', () => {
  test('numbers placeholders in order', () => {
    assert.equal(
      rewritePlaceholders('SELECT * FROM t WHERE a = ? AND b IN (?, ?)'),
      'SELECT * FROM t WHERE a = $1 AND b IN ($2, $3)',
    );
  });

  test('handles more than nine placeholders', () => {
    const sql = `VALUES (${Array.from({ length: 12 }, () => '?').join(',')})`;
    assert.equal(
      rewritePlaceholders(sql),
      `VALUES (${Array.from({ length: 12 }, (_, i) => `$${i + 1}`).join(',')})`,
    );
  });

  test('leaves question marks in literals, identifiers and comments', () => {
    assert.equal(
      rewritePlaceholders(`SELECT '?', 'it''s ?', "a?b", ? -- what?\n, ? /* x ? /* y? */ ? */ , ?`),
      `SELECT '?', 'it''s ?', "a?b", $1 -- what?\n, $2 /* x ? /* y? */ ? */ , $3`,
    );
  });

  test('understands backslash escapes in E strings only', () => {
    assert.equal(rewritePlaceholders(`SELECT E'\\'?', ?`), `SELECT E'\\'?', $1`);
    assert.equal(rewritePlaceholders(`SELECT '\\', ?`), `SELECT '\\', $1`);
  });

  test('skips dollar-quoted bodies but not positional parameters', () => {
    assert.equal(
      rewritePlaceholders('SELECT $$?$$, $tag$ ? $$ ? $tag$, ?'),
      'SELECT $$?$$, $tag$ ? $$ ? $tag$, $1',
    );
  });

  test('returns text without placeholders unchanged', () => {
    const sql = 'CREATE TABLE x (a INTEGER)';
    assert.equal(rewritePlaceholders(sql), sql);
  });
});

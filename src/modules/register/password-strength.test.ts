import assert from 'node:assert/strict';
import { test } from 'node:test';
import { passwordEntropy } from './password-strength.ts';

test('an empty password has no entropy', () => {
  assert.equal(passwordEntropy(''), 0);
});

test('repeated characters count once', () => {
  assert.equal(passwordEntropy('aaaaaaaa'), passwordEntropy('a'));
});

test('more character classes and more distinct characters score higher', () => {
  assert.ok(passwordEntropy('abcdefgh') > passwordEntropy('abcd'));
  assert.ok(passwordEntropy('abcD1!') > passwordEntropy('abcdef'));
  assert.ok(passwordEntropy('Tr0ub4dor&3-horse') > 60);
  assert.ok(passwordEntropy('1234') < 20);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { entityTime } from './entity-time.ts';

const at = (iso: string, offsetMinutes: number): Date => {
  const d = new Date(iso);
  d.getTimezoneOffset = () => offsetMinutes;
  return d;
};

test('utc is an XEP-0082 dateTime in UTC without fractions', () => {
  assert.equal(entityTime(at('2006-12-19T17:58:35.123Z', 0)).utc, '2006-12-19T17:58:35Z');
});

test('tzo is the signed local offset', () => {
  assert.equal(entityTime(at('2006-12-19T17:58:35Z', 0)).tzo, '+00:00');
  assert.equal(entityTime(at('2006-12-19T17:58:35Z', 360)).tzo, '-06:00');
  assert.equal(entityTime(at('2006-12-19T17:58:35Z', -330)).tzo, '+05:30');
  assert.equal(entityTime(at('2006-12-19T17:58:35Z', 570)).tzo, '-09:30');
});

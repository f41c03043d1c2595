import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseJid } from '../../jid/index.ts';
import { Blocklist } from './blocklist.ts';

const j = parseJid;

test('an empty list matches nothing', () => {
  assert.equal(new Blocklist([]).matches(j('a@b.test/c')), false);
});

test('a full JID matches only that resource (XEP-0191 §6 rule 1)', () => {
  const list = new Blocklist(['romeo@m.test/orchard']);
  assert.equal(list.matches(j('romeo@m.test/orchard')), true);
  assert.equal(list.matches(j('romeo@m.test/garden')), false);
  assert.equal(list.matches(j('romeo@m.test')), false);
});

test('a bare JID matches every resource of the account (rule 2)', () => {
  const list = new Blocklist(['romeo@m.test']);
  assert.equal(list.matches(j('romeo@m.test')), true);
  assert.equal(list.matches(j('romeo@m.test/any')), true);
  assert.equal(list.matches(j('juliet@m.test/any')), false);
  assert.equal(list.matches(j('m.test')), false);
});

test('domain/resource matches only that entity (rule 3)', () => {
  const list = new Blocklist(['m.test/bot']);
  assert.equal(list.matches(j('m.test/bot')), true);
  assert.equal(list.matches(j('m.test/other')), false);
  assert.equal(list.matches(j('m.test')), false);
});

test('a domain matches itself, its accounts and its subdomains, not lookalikes (rule 4)', () => {
  const list = new Blocklist(['evil.test']);
  assert.equal(list.matches(j('evil.test')), true);
  assert.equal(list.matches(j('x@evil.test/r')), true);
  assert.equal(list.matches(j('evil.test/r')), true);
  assert.equal(list.matches(j('muc.evil.test')), true);
  assert.equal(list.matches(j('a@b.muc.evil.test')), true);
  assert.equal(list.matches(j('notevil.test')), false);
  assert.equal(list.matches(j('evil.test.example')), false);
});

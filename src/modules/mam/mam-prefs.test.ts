import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StanzaError } from '../../errors/index.ts';
import { NS_MAM, x } from '../../xml/index.ts';
import { parsePrefs, prefsElement, shouldArchive } from './mam-prefs.ts';

const jids = (...j: string[]) => j.map((v) => x('jid', NS_MAM, {}, v));

describe('MAM preferences (XEP-0313 §7)', () => {
  test('parse normalizes JIDs to bare and round-trips through the element', () => {
    const el = x(
      'prefs',
      NS_MAM,
      { default: 'roster' },
      x('always', NS_MAM, {}, ...jids('A@x.test/res', 'a@x.test')),
      x('never', NS_MAM, {}, ...jids('b@x.test')),
    );
    const prefs = parsePrefs(el);
    assert.deepEqual(prefs, { default: 'roster', always: ['a@x.test'], never: ['b@x.test'] });
    assert.deepEqual(parsePrefs(prefsElement(prefs)), prefs);
  });

  test('a missing or unknown default, or a bad JID, is refused', () => {
    assert.throws(() => parsePrefs(x('prefs', NS_MAM)), StanzaError);
    assert.throws(() => parsePrefs(x('prefs', NS_MAM, { default: 'sometimes' })), StanzaError);
    const bad = x('prefs', NS_MAM, { default: 'always' }, x('never', NS_MAM, {}, ...jids('@')));
    assert.throws(() => parsePrefs(bad), StanzaError);
  });

  test('never wins over always, lists over the default, roster asks the roster', async () => {
    const yes = async () => true;
    const no = async () => false;
    const p = (d: 'always' | 'never' | 'roster', always: string[] = [], never: string[] = []) => ({
      default: d,
      always,
      never,
    });
    assert.equal(await shouldArchive(p('always'), 'a@x', no), true);
    assert.equal(await shouldArchive(p('never'), 'a@x', yes), false);
    assert.equal(await shouldArchive(p('never', ['a@x']), 'a@x', no), true);
    assert.equal(await shouldArchive(p('always', [], ['a@x']), 'a@x', yes), false);
    assert.equal(await shouldArchive(p('always', ['a@x'], ['a@x']), 'a@x', yes), false);
    assert.equal(await shouldArchive(p('roster'), 'a@x', yes), true);
    assert.equal(await shouldArchive(p('roster'), 'a@x', no), false);
  });
});

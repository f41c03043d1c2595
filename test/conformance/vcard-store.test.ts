import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createVcardStore, type VcardStore } from '../../src/modules/vcard/index.ts';
import { eachBackend } from '../support/databases.ts';

eachBackend('VcardStore', (db) => {
  let store: VcardStore;
  before(async () => {
    store = await createVcardStore(db());
  });

  test('a user without a vCard has none', async () => {
    assert.equal(await store.get('nobody', 'v.test'), null);
  });

  test('stores a vCard and replaces it on the next set', async () => {
    await store.set('alice', 'v.test', '<vCard xmlns="vcard-temp"><FN>A</FN></vCard>');
    assert.equal(
      await store.get('alice', 'v.test'),
      '<vCard xmlns="vcard-temp"><FN>A</FN></vCard>',
    );
    await store.set('alice', 'v.test', '<vCard xmlns="vcard-temp"><FN>B</FN></vCard>');
    assert.equal(
      await store.get('alice', 'v.test'),
      '<vCard xmlns="vcard-temp"><FN>B</FN></vCard>',
    );
  });

  test('keeps text byte for byte, non-ASCII and large payloads included', async () => {
    const photo = 'A'.repeat(60_000);
    const xml = `<vCard xmlns="vcard-temp"><FN>Zoë 李 😀 &amp;</FN><PHOTO><BINVAL>${photo}</BINVAL></PHOTO></vCard>`;
    await store.set('zoe', 'v.test', xml);
    assert.equal(await store.get('zoe', 'v.test'), xml);
  });

  test('vCards of users and domains are separate', async () => {
    await store.set('bob', 'one.test', '<vCard xmlns="vcard-temp"><FN>1</FN></vCard>');
    await store.set('bob', 'two.test', '<vCard xmlns="vcard-temp"><FN>2</FN></vCard>');
    await store.set('Bob', 'one.test', '<vCard xmlns="vcard-temp"><FN>3</FN></vCard>');
    assert.equal(
      await store.get('bob', 'one.test'),
      '<vCard xmlns="vcard-temp"><FN>1</FN></vCard>',
    );
    assert.equal(
      await store.get('bob', 'two.test'),
      '<vCard xmlns="vcard-temp"><FN>2</FN></vCard>',
    );
    assert.equal(
      await store.get('Bob', 'one.test'),
      '<vCard xmlns="vcard-temp"><FN>3</FN></vCard>',
    );
  });

  test('remove deletes only that user’s vCard and says whether there was one', async () => {
    await store.set('carol', 'rm.test', '<vCard xmlns="vcard-temp"/>');
    await store.set('dave', 'rm.test', '<vCard xmlns="vcard-temp"/>');
    assert.equal(await store.remove('carol', 'rm.test'), true);
    assert.equal(await store.remove('carol', 'rm.test'), false);
    assert.equal(await store.get('carol', 'rm.test'), null);
    assert.notEqual(await store.get('dave', 'rm.test'), null);
  });

  test('creating the store twice on one database keeps the data (migrations run once)', async () => {
    await store.set('erin', 'm.test', '<vCard xmlns="vcard-temp"/>');
    const again = await createVcardStore(db());
    assert.equal(await again.get('erin', 'm.test'), '<vCard xmlns="vcard-temp"/>');
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NS_CLIENT, serialize, x } from '../../xml/index.ts';
import { decodeStanza, encodeStanza } from './stanza-codec.ts';

test('a stanza survives encode/decode with namespaces, attributes and text', () => {
  const el = x(
    'message',
    NS_CLIENT,
    { from: 'a@b/c', to: 'd@e', type: 'chat', 'xml:lang': 'fr', id: 'q"<&' },
    x('body', NS_CLIENT, {}, 'é < > & "quotes" ✓ 𝄞'),
    x('x', 'urn:other', { a: '1' }, x('y', 'urn:other'), x('z', 'urn:third')),
  );
  const xml = encodeStanza(el);
  assert.ok(!xml.includes('jabber:client'), 'the default namespace is implied');
  const back = decodeStanza(xml);
  assert.equal(serialize(back), serialize(el));
  assert.equal(back.ns, NS_CLIENT);
  assert.equal(back.getChild('x', 'urn:other')?.getChild('z', 'urn:third')?.name, 'z');
});

test('decoding rejects malformed XML', () => {
  assert.throws(() => decodeStanza('<message><body>'), /does not parse|empty/);
  assert.throws(() => decodeStanza('<message></mess>'), /does not parse/);
  assert.throws(() => decodeStanza(''), /empty/);
});

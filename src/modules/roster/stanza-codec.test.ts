import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NS_CLIENT, x } from '../../xml/index.ts';
import { decodeStanza, encodeStanza } from './stanza-codec.ts';

test('a stanza survives encode and decode, namespaces and escaping included', () => {
  const el = x(
    'presence',
    NS_CLIENT,
    { from: 'a@x', to: 'b@y', type: 'subscribe' },
    x('status', NS_CLIENT, {}, 'let <me> & "in"'),
    x('nick', 'http://jabber.org/protocol/nick', {}, 'Ann'),
  );
  const back = decodeStanza(encodeStanza(el));
  assert.ok(back);
  assert.equal(back.attrs.type, 'subscribe');
  assert.equal(back.ns, NS_CLIENT);
  assert.equal(back.getChildText('status', NS_CLIENT), 'let <me> & "in"');
  assert.equal(back.getChildText('nick', 'http://jabber.org/protocol/nick'), 'Ann');
});

test('garbage decodes to undefined', () => {
  assert.equal(decodeStanza('<presence'), undefined);
  assert.equal(decodeStanza('<a></b>'), undefined);
});

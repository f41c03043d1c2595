import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Element, x } from './element.ts';
import { NS_CLIENT, NS_ROSTER } from './namespaces.ts';
import { record } from './parser-test-support.ts';
import { escapeAttr, escapeText, serialize } from './serializer.ts';

function reparse(xml: string): Element {
  const r = record({ framing: 'websocket' });
  r.feed(xml);
  assert.deepEqual(r.errors, []);
  assert.equal(r.stanzas.length, 1);
  return r.stanzas[0];
}

describe('serializer', () => {
  test('escapes text: & < > only', () => {
    assert.equal(escapeText('a & b < c > d "q" \'s\''), 'a &amp; b &lt; c &gt; d "q" \'s\'');
    assert.equal(escapeText(']]>'), ']]&gt;');
  });

  test('returns the same string when nothing needs escaping', () => {
    const s = 'plain text with é and 😀';
    assert.equal(escapeText(s), s);
    assert.equal(escapeAttr(s), s);
  });

  test('escapes attribute values, with tab and line breaks as character references', () => {
    assert.equal(escapeAttr('a&b<c>d"e\nf\rg\th'), 'a&amp;b&lt;c&gt;d&quot;e&#10;f&#13;g&#9;h');
  });

  test("escapes ' too, so single-quoted attributes (stream headers) are safe", () => {
    assert.equal(escapeAttr("en'><evil/>"), 'en&apos;&gt;&lt;evil/&gt;');
    const back = reparse(`<message xmlns="jabber:client" a='${escapeAttr(`it's "q"`)}'/>`);
    assert.equal(back.attrs.a, `it's "q"`);
  });

  test('writes xmlns only where the namespace changes', () => {
    const iq = x('iq', NS_CLIENT, { type: 'get', id: '1' }, x('query', NS_ROSTER));
    assert.equal(
      serialize(iq, NS_CLIENT),
      '<iq type="get" id="1"><query xmlns="jabber:iq:roster"/></iq>',
    );
    assert.equal(
      serialize(iq),
      '<iq xmlns="jabber:client" type="get" id="1"><query xmlns="jabber:iq:roster"/></iq>',
    );
  });

  test('writes prefixed attributes such as xml:lang as they are', () => {
    const body = x('body', NS_CLIENT, { 'xml:lang': 'en' }, 'hi');
    assert.equal(serialize(body, NS_CLIENT), '<body xml:lang="en">hi</body>');
  });

  test('round-trips text and attribute values through the parser', () => {
    const el = x(
      'message',
      NS_CLIENT,
      { to: 'a@b/"r"', note: 'l1\nl2\r\tx & <y>' },
      x('body', NS_CLIENT, {}, 'x < y && z > w ]]> é 😀'),
    );
    const back = reparse(serialize(el));
    assert.equal(back.attrs.note, 'l1\nl2\r\tx & <y>');
    assert.equal(back.attrs.to, 'a@b/"r"');
    assert.equal(back.getChildText('body'), 'x < y && z > w ]]> é 😀');
    assert.equal(serialize(back), serialize(el));
  });

  test('round-trips a namespace change and a return to the parent namespace', () => {
    const el = new Element('iq', NS_CLIENT);
    el.c('query', {}, NS_ROSTER).c('item', { jid: 'a@b' }).c('group', {}, NS_CLIENT).append('G');
    const xml = serialize(el);
    assert.equal(serialize(reparse(xml)), xml);
    assert.equal(reparse(xml).getChild('query')?.getChild('item')?.ns, NS_ROSTER);
  });
});

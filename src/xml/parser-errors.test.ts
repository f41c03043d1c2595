import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HEADER, NS_STREAM_DECL, record } from './parser-test-support.ts';

function errorsOf(input: string | Buffer, opts = {}): string[] {
  const r = record(opts);
  r.feed(input);
  return r.events.filter((e) => e.startsWith('error'));
}

describe('XmppStreamParser: restricted XML (RFC 6120 §11.1)', () => {
  const cases: [string, string][] = [
    ['DOCTYPE before the root', `<?xml version='1.0'?><!DOCTYPE stream>${HEADER.slice(21)}`],
    ['comment before the root', `<!-- hi --><stream:stream ${NS_STREAM_DECL}>`],
    ['comment between stanzas', `${HEADER}<!-- hi -->`],
    ['comment inside a stanza', `${HEADER}<message><!-- hi --></message>`],
    ['processing instruction', `${HEADER}<message><?php x ?></message>`],
  ];
  for (const [name, input] of cases) {
    test(`${name} → restricted-xml`, () => {
      assert.deepEqual(errorsOf(input), ['error restricted-xml']);
    });
  }

  test('the XML declaration at the very start is allowed', () => {
    assert.deepEqual(errorsOf(`${HEADER}<a/>`), []);
  });

  test('an XML declaration anywhere else is refused', () => {
    assert.equal(errorsOf(`${HEADER}<?xml version='1.0'?>`).length, 1);
  });

  test('a non-UTF-8 encoding declaration → unsupported-encoding (RFC 6120 §11.6)', () => {
    assert.deepEqual(errorsOf(`<?xml version='1.0' encoding='ISO-8859-1'?><a/>`), [
      'error unsupported-encoding',
    ]);
  });

  test('billion laughs fails at the DTD, before any entity is expanded', () => {
    let dtd = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">';
    for (let i = 1; i < 10; i++) dtd += `<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`;
    dtd += `]><stream:stream ${NS_STREAM_DECL}><message>&lol9;</message>`;
    const r = record({ maxStanzaBytes: 8192 });
    r.feed(dtd);
    assert.deepEqual(r.events, ['error restricted-xml']);
    assert.ok(r.parser.bufferedBytes <= 8192);
  });
});

describe('XmppStreamParser: not-well-formed', () => {
  const cases: [string, string | Buffer][] = [
    ['malformed tag', `${HEADER}<message to=x/>`],
    ['duplicate attribute', `${HEADER}<message to='a' to='b'/>`],
    ['duplicate expanded attribute name', `${HEADER}<m xmlns:a='u' xmlns:b='u' a:x='1' b:x='2'/>`],
    ['unbound element prefix', `${HEADER}<foo:message/>`],
    ['unbound attribute prefix', `${HEADER}<message foo:bar='1'/>`],
    ['xmlns prefix on an element', `${HEADER}<xmlns:a/>`],
    ['malformed qualified name', `${HEADER}<a:b:c xmlns:a='u'/>`],
    ['empty prefix binding', `${HEADER}<a xmlns:p=''/>`],
    ['xml prefix rebound', `${HEADER}<a xmlns:xml='urn:other'/>`],
    ['illegal character', `${HEADER}<message>\u0001</message>`],
    ['illegal character reference', `${HEADER}<message>&#0;</message>`],
    ['undefined entity', `${HEADER}<message>&nbsp;</message>`],
    ['mismatched end tag', `${HEADER}<a><b></a>`],
    ['invalid UTF-8 byte', Buffer.concat([Buffer.from(`${HEADER}<a>`), Buffer.from([0xff])])],
    ['overlong UTF-8', Buffer.concat([Buffer.from(`${HEADER}<a>`), Buffer.from([0xc0, 0xaf])])],
    [
      'UTF-16 surrogate in UTF-8',
      Buffer.concat([Buffer.from(HEADER), Buffer.from([0xed, 0xa0, 0x80])]),
    ],
  ];
  for (const [name, input] of cases) {
    test(`${name} → not-well-formed`, () => {
      assert.deepEqual(errorsOf(input), ['error not-well-formed']);
    });
  }

  test('invalid UTF-8 split across chunks is caught', () => {
    const r = record();
    r.feed(`${HEADER}<a>`);
    r.parser.write(Buffer.from([0xe2, 0x82])); // first two bytes of €
    r.parser.write(Buffer.from([0x41])); // not a continuation byte
    assert.deepEqual(r.events, ['open', 'error not-well-formed']);
  });

  test('text between stanzas → bad-format', () => {
    assert.deepEqual(errorsOf(`${HEADER}hello<a/>`), ['error bad-format']);
  });
});

describe('XmppStreamParser: the first error latches', () => {
  test('one error is reported and nothing after it, in the same chunk or later ones', () => {
    const r = record();
    r.feed(`${HEADER}<a/><b>&bogus;</b><c/><d to='1' to='2'/><!-- x -->`);
    r.feed('<e/></stream:stream>');
    r.feed(Buffer.from([0xff]));
    assert.deepEqual(r.events, ['open', 'stanza <a/>', 'error not-well-formed']);
  });

  test('a stanza completed before an error in the same chunk is still delivered', () => {
    const r = record();
    r.feed(`${HEADER}<a/>\u0001`);
    assert.deepEqual(r.events, ['open', 'stanza <a/>', 'error not-well-formed']);
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NS_CLIENT, NS_FRAMING, NS_STREAM, NS_XML } from './namespaces.ts';
import { HEADER, NS_STREAM_DECL, record } from './parser-test-support.ts';
import { serialize } from './serializer.ts';

describe('XmppStreamParser: stream framing', () => {
  test('reports the stream header with resolved namespaces and plain attributes', () => {
    const r = record();
    r.feed(
      `<stream:stream xmlns='jabber:client' ${NS_STREAM_DECL} to='example.com' version='1.0' xml:lang='en' id='x'>`,
    );
    assert.deepEqual(r.events, ['open']);
    const open = r.opens[0];
    assert.equal(open.name, 'stream');
    assert.equal(open.prefix, 'stream');
    assert.equal(open.ns, NS_STREAM);
    assert.equal(open.defaultNs, NS_CLIENT);
    assert.equal(Object.getPrototypeOf(open.attrs), null);
    assert.deepEqual(
      { ...open.attrs },
      {
        to: 'example.com',
        version: '1.0',
        'xml:lang': 'en',
        id: 'x',
      },
    );
  });

  test('reports defaultNs undefined when the header has no xmlns', () => {
    const r = record();
    r.feed(`<stream:stream ${NS_STREAM_DECL}><message/>`);
    assert.equal(r.opens[0].defaultNs, undefined);
    assert.equal(r.stanzas[0].ns, '');
  });

  test('delivers each top-level child as a stanza in the stream default namespace', () => {
    const r = record();
    r.feed(
      `${HEADER}\n  <message to='a@b' type='chat'><body>hi &amp; &#x263A; &lt;3</body></message>` +
        `\n\t <iq type='get' id='1'><query xmlns='jabber:iq:roster'/></iq> </stream:stream>`,
    );
    assert.deepEqual(r.events, [
      'open',
      `stanza <message to="a@b" type="chat"><body>hi &amp; ☺ &lt;3</body></message>`,
      `stanza <iq type="get" id="1"><query xmlns="jabber:iq:roster"/></iq>`,
      'close',
    ]);
    assert.equal(r.stanzas[0].ns, NS_CLIENT);
    assert.equal(r.stanzas[0].getChild('body')?.ns, NS_CLIENT);
    assert.equal(r.stanzas[1].getChild('query')?.ns, 'jabber:iq:roster');
  });

  test('ignores everything after </stream:stream>', () => {
    const r = record();
    r.feed(`${HEADER}</stream:stream><message/>garbage<`);
    r.feed('<more/>');
    assert.deepEqual(r.events, ['open', 'close']);
  });

  test('resolves prefixed elements; unprefixed children keep the default namespace', () => {
    const r = record();
    r.feed(
      `${HEADER}<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>`,
    );
    r.feed(`<p:x xmlns:p='urn:p'><y/><p:z/></p:x>`);
    const [features, px] = r.stanzas;
    assert.equal(features.name, 'features');
    assert.equal(features.ns, NS_STREAM);
    assert.equal(features.getChild('bind')?.ns, 'urn:ietf:params:xml:ns:xmpp-bind');
    assert.equal(px.name, 'x');
    assert.equal(px.ns, 'urn:p');
    assert.equal(px.getChild('y')?.ns, NS_CLIENT);
    assert.equal(px.getChild('z')?.ns, 'urn:p');
  });

  test('keeps xml:lang and prefixed attributes, carrying the declaration they need', () => {
    const r = record();
    r.feed(`${HEADER}<message xml:lang='de' xmlns:e='urn:e'><body e:k='v'>x</body></message>`);
    const m = r.stanzas[0];
    assert.equal(m.attrs['xml:lang'], 'de');
    assert.equal(m.attrs['xmlns:e'], undefined);
    const body = m.getChild('body')!;
    assert.equal(body.attrs['e:k'], 'v');
    assert.equal(body.attrs['xmlns:e'], 'urn:e');
    // The copy serializes on its own as well-formed, namespace-correct XML.
    const again = record({ framing: 'websocket' });
    again.feed(serialize(body));
    assert.deepEqual(again.errors, []);
    assert.equal(again.stanzas[0].attrs['e:k'], 'v');
  });

  test('accepts xmlns:xml bound to its own namespace', () => {
    const r = record();
    r.feed(`${HEADER}<message xmlns:xml='${NS_XML}' xml:lang='en'/>`);
    assert.deepEqual(r.errors, []);
    assert.equal(r.stanzas[0].attrs['xml:lang'], 'en');
  });

  test('uses null-prototype attribute maps; __proto__ is an ordinary attribute', () => {
    const r = record();
    r.feed(
      `${HEADER}<message __proto__='x' constructor='y' xmlns:__proto__='urn:p'><__proto__:b/></message>`,
    );
    assert.deepEqual(r.errors, []);
    const m = r.stanzas[0];
    assert.equal(Object.getPrototypeOf(m.attrs), null);
    assert.equal(Object.hasOwn(m.attrs, '__proto__'), true);
    assert.equal(Object.getOwnPropertyDescriptor(m.attrs, '__proto__')?.value, 'x');
    assert.equal(m.attrs.constructor, 'y');
    assert.equal(m.getChild('b')?.ns, 'urn:p');
    assert.equal(({} as Record<string, unknown>).x, undefined);
  });

  test('merges text around CDATA into one text node', () => {
    const r = record();
    r.feed(`${HEADER}<message><body>a<![CDATA[<b>&]]>c</body></message>`);
    assert.deepEqual(r.stanzas[0].getChild('body')?.children, ['a<b>&c']);
  });

  test('a multi-byte character split at any byte offset arrives intact', () => {
    const text = 'é€😀𝄞ü';
    const input = Buffer.from(`${HEADER}<message><body a='${text}'>${text}</body></message>`);
    for (let cut = 1; cut < input.length; cut++) {
      const r = record();
      r.parser.write(input.subarray(0, cut));
      r.parser.write(input.subarray(cut));
      assert.deepEqual(r.errors, [], `cut at ${cut}`);
      const body = r.stanzas[0].getChild('body')!;
      assert.equal(body.text(), text, `cut at ${cut}`);
      assert.equal(body.attrs.a, text, `cut at ${cut}`);
    }
  });

  test('parses byte by byte', () => {
    const r = record();
    r.feed(`${HEADER}<message><body>é😀</body></message></stream:stream>`, 1);
    assert.deepEqual(r.events, ['open', 'stanza <message><body>é😀</body></message>', 'close']);
  });

  test('does not deliver a stanza closed by a mismatched end tag', () => {
    const r = record();
    r.feed(`${HEADER}<message><body>x</body></iq><presence/>`);
    assert.deepEqual(r.events, ['open', 'error not-well-formed']);
  });
});

describe('XmppStreamParser: websocket framing (RFC 7395)', () => {
  test('delivers every top-level element, open and close included', () => {
    const r = record({ framing: 'websocket' });
    r.feed(`<open xmlns='${NS_FRAMING}' to='example.com' version='1.0'/>`);
    r.feed(`<message xmlns='jabber:client' to='a@b'><body>x</body></message>`);
    r.feed(' \n');
    r.feed(`<close xmlns='${NS_FRAMING}'/>`);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(
      r.stanzas.map((s) => [s.name, s.ns]),
      [
        ['open', NS_FRAMING],
        ['message', NS_CLIENT],
        ['close', NS_FRAMING],
      ],
    );
    assert.equal(r.stanzas[0].attrs.to, 'example.com');
  });

  test('refuses text outside elements', () => {
    const r = record({ framing: 'websocket' });
    r.feed('hello<a/>');
    assert.deepEqual(r.events, ['error bad-format']);
  });
});

describe('XmppStreamParser: reset and handler behaviour', () => {
  test('reset() starts a new stream, with a new header and a fresh decoder', () => {
    const r = record();
    r.feed(`${HEADER}<message><body>`);
    r.parser.write(Buffer.from('é').subarray(0, 1));
    r.parser.reset();
    assert.equal(r.parser.bufferedBytes, 0);
    r.feed(`${HEADER}<iq id='1'/>`);
    assert.deepEqual(r.events, ['open', 'open', 'stanza <iq id="1"/>']);
  });

  test('reset() after an error unlatches the parser', () => {
    const r = record();
    r.feed(`${HEADER}<a><</a>`);
    r.parser.reset();
    r.feed(`${HEADER}<b/>`);
    assert.deepEqual(r.events, ['open', 'error not-well-formed', 'open', 'stanza <b/>']);
  });

  test('reset() from inside a stanza callback drops the rest of that chunk', () => {
    const events: string[] = [];
    const r = record();
    const parser = r.parser;
    const handler = {
      streamOpen: () => events.push('open'),
      stanza: () => {
        events.push('stanza');
        parser.reset();
      },
      streamClose: () => events.push('close'),
      error: (e: { condition: string }) => events.push(e.condition),
    };
    Object.assign(parser, { handler });
    parser.write(Buffer.from(`${HEADER}<success/><old/><also-old/>`));
    parser.write(Buffer.from(`${HEADER}<new/>`));
    assert.deepEqual(events, ['open', 'stanza', 'open', 'stanza']);
  });

  test('an exception from a handler propagates and latches the parser', () => {
    const r = record();
    const parser = r.parser;
    Object.assign(parser, {
      handler: {
        streamOpen() {},
        stanza() {
          throw new Error('boom');
        },
        streamClose() {},
        error() {
          assert.fail('no stream error expected');
        },
      },
    });
    assert.throws(() => parser.write(Buffer.from(`${HEADER}<a/><b/>`)), /boom/);
    parser.write(Buffer.from('<c/>'));
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { type Element, x } from './element.ts';
import { HEADER, record } from './parser-test-support.ts';
import { serialize } from './serializer.ts';

// Characters chosen to hit escaping, CR/LF normalization and every UTF-8 length.
const interesting = ['a', 'Z', ' ', '&', '<', '>', '"', "'", '\n', '\r', '\t', ']', 'é', '€', '😀'];

function textArb(withCr: boolean, minLength = 0) {
  const chars = withCr ? interesting : interesting.filter((c) => c !== '\r');
  return fc.string({ unit: fc.constantFrom(...chars), minLength, maxLength: 12 });
}

function elementArb(withCr: boolean): fc.Arbitrary<Element> {
  const text = textArb(withCr);
  const { node } = fc.letrec<{ node: Element; child: Element | string }>((tie) => ({
    node: fc
      .record({
        name: fc.constantFrom('message', 'body', 'x', 'a-b', 'q.r', '_z'),
        ns: fc.constantFrom('jabber:client', 'urn:a', 'urn:b', ''),
        attrs: fc.dictionary(fc.constantFrom('to', 'id', 'type', 'xml:lang', 'k'), text, {
          maxKeys: 3,
        }),
        children: fc.array(tie('child'), { maxLength: 4 }),
      })
      .map(({ name, ns, attrs, children }) => x(name, ns, attrs, ...children)),
    // Empty text nodes do not survive parsing (`<a></a>` is `<a/>`), so children have text.
    child: fc.oneof({ depthSize: 'small', withCrossShrink: true }, textArb(withCr, 1), tie('node')),
  }));
  return node;
}

function stream(stanzas: Element[], gaps: string[]): Buffer {
  let s = HEADER;
  stanzas.forEach((el, i) => {
    s += gaps[i % gaps.length] + serialize(el, 'jabber:client');
  });
  return Buffer.from(`${s}</stream:stream>`);
}

function parseInChunks(input: Buffer, sizes: number[], maxStanzaBytes = 65536): string[] {
  const r = record({ maxStanzaBytes });
  let i = 0;
  for (let k = 0; i < input.length; k++) {
    const n = sizes[k % sizes.length];
    r.parser.write(input.subarray(i, i + n));
    i += n;
  }
  return r.events;
}

describe('XmppStreamParser: properties', () => {
  test('random chunking never changes the parsed stanzas', () => {
    fc.assert(
      fc.property(
        fc.array(elementArb(true), { minLength: 1, maxLength: 5 }),
        fc.array(fc.constantFrom('', ' ', '\n', '\r\n', '\t '), { minLength: 1, maxLength: 3 }),
        fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 10 }),
        (stanzas, gaps, sizes) => {
          const input = stream(stanzas, gaps);
          const whole = parseInChunks(input, [input.length]);
          assert.equal(whole.length, stanzas.length + 2);
          assert.equal(whole.at(-1), 'close');
          assert.deepEqual(parseInChunks(input, sizes), whole);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('a limit equal to the largest stanza never trips, however the input is chunked', () => {
    fc.assert(
      fc.property(
        fc.array(elementArb(true), { minLength: 1, maxLength: 6 }),
        fc.constantFrom('', ' ', '\n', ' \r\n\t'),
        fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 6 }),
        (stanzas, gap, sizes) => {
          const input = stream(stanzas, [gap]);
          let limit = Buffer.byteLength(HEADER);
          for (const el of stanzas) {
            limit = Math.max(limit, Buffer.byteLength(serialize(el, 'jabber:client')));
          }
          const events = parseInChunks(input, sizes, limit);
          assert.deepEqual(events, parseInChunks(input, [input.length]));
          assert.equal(events.at(-1), 'close');
          assert.equal(parseInChunks(input, sizes, limit - 1).at(-1), 'error policy-violation');
        },
      ),
      { numRuns: 300 },
    );
  });

  test('serialize → parse → serialize is stable', () => {
    fc.assert(
      fc.property(elementArb(false), (el) => {
        const xml = serialize(el);
        const r = record({ framing: 'websocket' });
        r.feed(xml);
        assert.deepEqual(r.errors, []);
        assert.equal(serialize(r.stanzas[0]), xml);
      }),
      { numRuns: 300 },
    );
  });
});

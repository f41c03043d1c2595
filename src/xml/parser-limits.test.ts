import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  HEADER,
  NS_STREAM_DECL,
  type Recorded,
  record,
  saxesBufferedChars,
} from './parser-test-support.ts';

const KiB = 1024;

/** Feeds `total` bytes of `unit` after `prefix` in chunks; returns bytes fed until the error. */
function flood(r: Recorded, prefix: string, unit: string, total: number, chunk: number): number {
  r.feed(prefix);
  const piece = Buffer.from(unit.repeat(Math.ceil(chunk / Buffer.byteLength(unit))));
  let fed = 0;
  while (fed < total && r.errors.length === 0) {
    r.parser.write(piece);
    fed += piece.length;
    assert.ok(r.parser.bufferedBytes <= 8 * KiB, `bufferedBytes ${r.parser.bufferedBytes}`);
    assert.ok(saxesBufferedChars(r.parser) <= 8 * KiB + chunk, 'saxes buffer bounded');
  }
  return fed;
}

describe('XmppStreamParser: stanza size limit', () => {
  const huge: [string, string, string][] = [
    ['attribute value', `${HEADER}<message to='`, 'a'],
    ['multi-byte attribute value', `${HEADER}<message to='`, '€'],
    ['text node', `${HEADER}<message><body>`, 'x'],
    ['comment', `${HEADER}<!--`, 'c'],
    ['element name', `${HEADER}<m`, 'm'],
    ['entity name', `${HEADER}<m>&`, 'e'],
    ['DOCTYPE', `<!DOCTYPE x [<!ENTITY a "`, 'a'],
    ['stream header', `<stream:stream ${NS_STREAM_DECL} to='`, 'a'],
    ['text between stanzas', HEADER, 'x'],
  ];
  for (const [what, prefix, unit] of huge) {
    test(`a 10 MiB ${what} in 4 KiB chunks stops at the limit with bounded memory`, () => {
      const r = record({ maxStanzaBytes: 8 * KiB });
      const fed = flood(r, prefix, unit, 10 * 1024 * KiB, 4 * KiB);
      assert.deepEqual(
        r.errors.map((e) => e.condition),
        ['policy-violation'],
      );
      assert.ok(fed <= 8 * KiB + 4 * KiB, `error after ${fed} bytes`);
    });
  }

  test('a stanza of exactly maxStanzaBytes passes; one byte more does not', () => {
    const head = `${HEADER}`;
    const make = (n: number) => `<message><body>${'é'.repeat(n)}</body></message>`;
    const limit = Buffer.byteLength(make(1000));
    const ok = record({ maxStanzaBytes: Math.max(limit, Buffer.byteLength(head)) });
    ok.feed(head + make(1000), 100);
    assert.deepEqual(ok.errors, []);
    assert.equal(ok.stanzas.length, 1);
    const over = record({ maxStanzaBytes: limit - 1 });
    over.feed(head);
    over.feed(make(1000), 100);
    assert.deepEqual(over.events, ['open', 'error policy-violation']);
  });

  test('a 1 MiB stanza is refused under the 64 KiB limit', () => {
    const r = record({ maxStanzaBytes: 64 * KiB });
    r.feed(`${HEADER}<message><body>${'x'.repeat(1024 * KiB)}</body></message>`, 64 * KiB);
    assert.deepEqual(r.events, ['open', 'error policy-violation']);
  });

  test('a large chunk carrying many small stanzas is not mistaken for one big stanza', () => {
    const r = record({ maxStanzaBytes: 8 * KiB });
    const one = `<message to='a@b'><body>${'é'.repeat(300)}</body></message>`;
    r.feed(HEADER + one.repeat(500), 64 * KiB);
    assert.deepEqual(r.errors, []);
    assert.equal(r.stanzas.length, 500);
  });

  test('setMaxStanzaBytes raises the limit after authentication', () => {
    const r = record({ maxStanzaBytes: 8 * KiB });
    const big = `<message><body>${'x'.repeat(20 * KiB)}</body></message>`;
    r.feed(HEADER);
    r.parser.setMaxStanzaBytes(64 * KiB);
    r.feed(big, 4 * KiB);
    r.parser.setMaxStanzaBytes(8 * KiB);
    r.feed(big, 4 * KiB);
    assert.deepEqual(
      r.events.map((e) => e.split(' ')[0]),
      ['open', 'stanza', 'error'],
    );
  });

  test('whitespace keepalives between stanzas never add up to a violation', () => {
    const r = record({ maxStanzaBytes: 1 * KiB });
    r.feed(`${HEADER}<a/>`);
    for (let i = 0; i < 5000; i++) r.feed(i % 2 ? ' ' : '\n');
    r.feed('<b/>');
    assert.deepEqual(r.events, ['open', 'stanza <a/>', 'stanza <b/>']);
    assert.equal(r.parser.bufferedBytes, 0);
  });
});

describe('XmppStreamParser: depth and attribute limits', () => {
  test('32 nested elements pass, 33 do not', () => {
    const nest = (n: number) => '<a>'.repeat(n) + '</a>'.repeat(n);
    const ok = record();
    ok.feed(HEADER + nest(32));
    assert.equal(ok.stanzas.length, 1);
    const deep = record();
    deep.feed(HEADER + nest(33));
    assert.deepEqual(deep.events, ['open', 'error policy-violation']);
  });

  test('maxDepth counts from the stanza in websocket framing too', () => {
    const r = record({ framing: 'websocket', maxDepth: 2 });
    r.feed('<a><b/></a><a><b><c/></b></a>');
    assert.deepEqual(r.events, ['stanza <a xmlns=""><b/></a>', 'error policy-violation']);
  });

  test('64 attributes pass, 65 do not; namespace declarations count too', () => {
    const attrs = (n: number) => Array.from({ length: n }, (_, i) => ` a${i}='v'`).join('');
    const ok = record();
    ok.feed(`${HEADER}<m${attrs(64)}/>`);
    assert.equal(ok.stanzas.length, 1);
    const many = record();
    many.feed(`${HEADER}<m${attrs(65)}/>`);
    assert.deepEqual(many.events, ['open', 'error policy-violation']);
    const header = record({ maxAttrs: 3 });
    header.feed(`<stream:stream xmlns='jabber:client' ${NS_STREAM_DECL} to='a' version='1.0'>`);
    assert.deepEqual(header.events, ['error policy-violation']);
  });

  test('names longer than maxNameLength are refused', () => {
    const r = record({ maxNameLength: 16 });
    r.feed(
      `${HEADER.replace('stream:stream', 's:s').replace('xmlns:stream', 'xmlns:s')}<m ${'b'.repeat(17)}='1'/>`,
    );
    assert.deepEqual(r.events, ['open', 'error policy-violation']);
  });
});

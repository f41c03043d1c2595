import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { JidError, makeJid, parseJid, tryParseJid } from './index.ts';

describe('parseJid: RFC 7622 §3.5 examples', () => {
  // §3.5.1 valid examples (expected enforced form on the right).
  const valid: [string, string][] = [
    ['juliet@example.com', 'juliet@example.com'],
    ['juliet@example.com/foo', 'juliet@example.com/foo'],
    ['juliet@example.com/foo bar', 'juliet@example.com/foo bar'],
    ['juliet@example.com/foo@bar', 'juliet@example.com/foo@bar'],
    ['foo\\20bar@example.com', 'foo\\20bar@example.com'],
    ['fussball@example.com', 'fussball@example.com'],
    ['fußball@example.com', 'fußball@example.com'],
    ['π@example.com', 'π@example.com'],
    ['Σ@example.com/foo', 'σ@example.com/foo'],
    ['σ@example.com/foo', 'σ@example.com/foo'],
    ['ς@example.com/foo', 'ς@example.com/foo'],
    ['king@example.com/♚', 'king@example.com/♚'],
    ['example.com', 'example.com'],
    ['example.com/foobar', 'example.com/foobar'],
    ['a.example.com/b@example.net', 'a.example.com/b@example.net'],
  ];
  for (const [input, expected] of valid) {
    test(`accepts ${input}`, () => {
      assert.equal(parseJid(input).toString(), expected);
    });
  }

  // §3.5.2 invalid examples.
  const invalid = [
    '"juliet"@example.com',
    'foo bar@example.com',
    'henry\u2163@example.com',
    '♚@example.com',
    'juliet@',
    '/foobar',
    '@example.com',
    'juliet@example.com/',
    '',
  ];
  for (const input of invalid) {
    test(`rejects ${JSON.stringify(input)}`, () => {
      assert.throws(() => parseJid(input), JidError);
      assert.equal(tryParseJid(input), undefined);
    });
  }
});

describe('parseJid: splitting and parts', () => {
  test('resource starts at the first slash, localpart ends at the first @ before it', () => {
    const j = parseJid('a@b.example/c@d/e');
    assert.deepEqual([j.local, j.domain, j.resource], ['a', 'b.example', 'c@d/e']);
  });

  test('a second @ before the slash makes the domainpart invalid', () => {
    assert.throws(() => parseJid('a@b@c.example'), JidError);
  });

  test('excluded localpart characters are rejected', () => {
    for (const c of ['"', '&', "'", ':', '<', '>']) {
      assert.throws(() => parseJid(`a${c}b@example.com`), JidError, c);
    }
  });

  test('width mapping cannot smuggle in an excluded character', () => {
    assert.throws(() => parseJid('a\uff20b@example.com'), JidError);
  });

  test('ignorable and private-use code points are rejected in the resource', () => {
    assert.throws(() => parseJid('a@example.com/x\u200dy'), JidError);
    assert.throws(() => parseJid('a@example.com/x\ue000'), JidError);
  });

  test('controls are rejected in every part', () => {
    assert.throws(() => parseJid('a\u0001@example.com'), JidError);
    assert.throws(() => parseJid('a@exa\u0001mple.com'), JidError);
    assert.throws(() => parseJid('a@example.com/x\u0000y'), JidError);
    assert.throws(() => parseJid('a@example.com/x\u007fy'), JidError);
  });

  test('each part is limited to 1023 octets of UTF-8', () => {
    assert.equal(parseJid(`${'a'.repeat(1023)}@example.com`).local.length, 1023);
    assert.throws(() => parseJid(`${'a'.repeat(1024)}@example.com`), JidError);
    assert.throws(() => parseJid(`a@example.com/${'é'.repeat(512)}`), JidError);
    assert.equal(parseJid(`a@example.com/${'é'.repeat(511)}`).resource.length, 511);
  });
});

describe('normalization', () => {
  test('localpart is case-folded and width-mapped', () => {
    assert.equal(parseJid('JULIET@example.com').local, 'juliet');
    assert.equal(parseJid('\uff2a\uff55\uff4c\uff49\uff45\uff54@example.com').local, 'juliet');
  });

  test('localpart is NFC-normalized', () => {
    assert.equal(parseJid('e\u0301@example.com').local, '\u00e9');
  });

  test('domain is lowercased, NFC-normalized and loses one trailing dot', () => {
    assert.equal(parseJid('EXAMPLE.Com.').domain, 'example.com');
    assert.equal(parseJid('Mu\u0308nchen.DE').domain, 'münchen.de');
    assert.throws(() => parseJid('example.com..'), JidError);
    assert.equal(
      parseJid('\u4f8b\u3048\u3002\u30c6\u30b9\u30c8\u3002').domain,
      '\u4f8b\u3048.\u30c6\u30b9\u30c8',
    );
  });

  test('A-labels are carried as U-labels', () => {
    assert.equal(parseJid('a@xn--mnchen-3ya.de').domain, 'münchen.de');
    assert.ok(parseJid('a@xn--mnchen-3ya.de').equals(parseJid('a@münchen.de')));
  });

  test('IPv6 literals in brackets are accepted', () => {
    assert.equal(parseJid('a@[2001:DB8::1]/r').domain, '[2001:db8::1]');
    assert.throws(() => parseJid('a@[not-ip]'), JidError);
    assert.throws(() => parseJid('a@2001:db8::1'), JidError);
  });

  test('resource keeps case, maps non-ASCII spaces to U+0020 and applies NFC', () => {
    assert.equal(parseJid('a@example.com/Foo\u00a0Bar').resource, 'Foo Bar');
    assert.equal(parseJid('a@example.com/e\u0301').resource, '\u00e9');
  });

  test('ill-formed domains are rejected', () => {
    for (const d of ['-a.com', 'a-.com', 'a..com', '.com', 'a_b.com', 'a b.com', 'exa%mple.com']) {
      assert.throws(() => parseJid(`x@${d}`), JidError, d);
    }
  });
});

describe('Jid methods', () => {
  test('bare, withResource, equals, bareString', () => {
    const full = parseJid('Romeo@Example.com/Orchard');
    assert.equal(full.isBare(), false);
    assert.equal(full.bare().toString(), 'romeo@example.com');
    assert.equal(full.bareString(), 'romeo@example.com');
    assert.ok(full.bare().isBare());
    assert.ok(full.bare().withResource('Orchard').equals(full));
    assert.ok(!full.equals(full.bare()));
    assert.throws(() => full.withResource(''), JidError);
  });

  test('makeJid enforces each part', () => {
    assert.equal(makeJid('ROMEO', 'EXAMPLE.com', 'x').toString(), 'romeo@example.com/x');
    assert.equal(makeJid('', 'example.com').toString(), 'example.com');
    assert.throws(() => makeJid('a@b', 'example.com'), JidError);
  });
});

describe('idempotence', () => {
  const part = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 12 }),
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.string({ maxLength: 12 }),
    fc.constantFrom('ÅNGSTRÖM', 'Ｊｕｌｉｅｔ', 'ΣΑΣ', 'İstanbul', 'ǅ', 'xn--mnchen-3ya', 'ß'),
  );
  const domain = fc.oneof(
    part,
    part.map((d) => `${d}.example`),
    fc.constantFrom('EXAMPLE.com.', 'xn--mnchen-3ya.de', 'Mu\u0308nchen.de', '[::1]'),
  );
  test('parse(parse(s).toString()) equals parse(s)', () => {
    fc.assert(
      fc.property(part, domain, part, (l, d, r) => {
        const s = `${l}@${d}/${r}`;
        const j = tryParseJid(s);
        if (j === undefined) return;
        const again = parseJid(j.toString());
        assert.ok(again.equals(j), `${s} -> ${j} -> ${again}`);
      }),
      { numRuns: 3000 },
    );
  });

  test('makeJid of enforced parts is a fixed point', () => {
    fc.assert(
      fc.property(part, part, (l, r) => {
        let j: ReturnType<typeof makeJid>;
        try {
          j = makeJid(l, 'example.com', r);
        } catch {
          return;
        }
        assert.ok(makeJid(j.local, j.domain, j.resource).equals(j));
      }),
      { numRuns: 3000 },
    );
  });
});

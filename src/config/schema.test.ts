import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { describeSchema, type Infer, type Issue, type Schema, s, validate } from './schema.ts';

function issuesOf<T>(schema: Schema<T>, value: unknown): Issue[] {
  const r = validate(schema, value);
  assert.equal(r.ok, false, 'expected validation to fail');
  return r.ok ? [] : [...r.issues];
}

function parsedValue<T>(schema: Schema<T>, value: unknown, baseDir?: string): T {
  const r = validate(schema, value, '', { baseDir });
  if (!r.ok) assert.fail(JSON.stringify(r.issues));
  return r.value;
}

const listener = s.object(
  {
    port: s.int({ min: 1, max: 65535, default: 5222, doc: 'port' }),
    ip: s.string({ default: '0.0.0.0', doc: 'ip' }),
  },
  { doc: 'listener' },
);

describe('scalars', () => {
  test('int rejects strings, fractions and out-of-range values with the range in the reason', () => {
    const port = s.int({ min: 1, max: 65535, doc: 'p' });
    assert.deepEqual(issuesOf(port, 'abc'), [
      { path: '', reason: 'expected an integer between 1 and 65535, got "abc"' },
    ]);
    assert.equal(issuesOf(port, 1.5)[0].reason, 'expected an integer between 1 and 65535, got 1.5');
    assert.equal(issuesOf(port, 70000).length, 1);
    assert.equal(parsedValue(port, 5222), 5222);
    assert.equal(
      issuesOf(s.int({ min: 4096, doc: 'i' }), 100)[0].reason,
      'expected an integer >= 4096, got 100',
    );
  });

  test('number accepts fractions within bounds', () => {
    const n = s.number({ min: 0, max: 1, doc: 'n' });
    assert.equal(parsedValue(n, 0.5), 0.5);
    assert.equal(issuesOf(n, 2)[0].reason, 'expected a number between 0 and 1, got 2');
  });

  test('bool accepts only true and false', () => {
    const b = s.bool({ doc: 'b' });
    assert.equal(parsedValue(b, false), false);
    assert.equal(issuesOf(b, 'yes')[0].reason, 'expected true or false, got "yes"');
  });

  test('string checks enum, pattern and emptiness', () => {
    const level = s.string({ enum: ['debug', 'info'], doc: 'l' });
    const v: 'debug' | 'info' = parsedValue(level, 'info');
    assert.equal(v, 'info');
    assert.equal(
      issuesOf(level, 'verbose')[0].reason,
      'expected one of debug, info, got "verbose"',
    );
    const name = s.string({ pattern: /^\w+@\w+$/, patternHint: 'name@host', doc: 'n' });
    assert.equal(issuesOf(name, 'nohost')[0].reason, 'expected name@host, got "nohost"');
    assert.equal(
      issuesOf(s.string({ nonEmpty: true, doc: 'x' }), '')[0].reason,
      'expected a non-empty string, got ""',
    );
    assert.equal(issuesOf(s.string({ doc: 'x' }), 5)[0].reason, 'expected a string, got 5');
  });

  test('path resolves relative values against baseDir and keeps absolute ones', () => {
    const p = s.path({ default: './data', doc: 'p' });
    assert.equal(parsedValue(p, 'x/y', '/etc/meerkat'), resolve('/etc/meerkat/x/y'));
    assert.equal(parsedValue(p, '/var/lib/m', '/etc/meerkat'), '/var/lib/m');
    assert.equal(parsedValue(s.object({ p }, { doc: 'o' }), {}, '/srv').p, resolve('/srv/data'));
  });

  test('a missing key without default is reported as required', () => {
    const o = s.object({ max_rate: s.int({ doc: 'r' }) }, { doc: 'o' });
    assert.deepEqual(issuesOf(o, {}), [{ path: 'max_rate', reason: 'required key is missing' }]);
  });
});

describe('objects', () => {
  test('fills defaults for missing keys, including nested tables', () => {
    const o = s.object({ l: listener, n: s.optional(s.int({ doc: 'n' })) }, { doc: 'o' });
    const v: Infer<typeof o> = parsedValue(o, {});
    assert.deepEqual(v, { l: { port: 5222, ip: '0.0.0.0' } });
    assert.equal('n' in v, false);
  });

  test('unknown keys are errors that suggest the closest known key', () => {
    assert.deepEqual(issuesOf(listener, { prot: 1 }), [
      { path: 'prot', reason: 'unknown key (did you mean "port"?)' },
    ]);
    assert.deepEqual(issuesOf(listener, { zzzzzz: 1 }), [
      { path: 'zzzzzz', reason: 'unknown key (known keys: port, ip)' },
    ]);
  });

  test('collects every error, with array indices in paths', () => {
    const o = s.object({ c2s: s.array(listener, { default: [], doc: 'c' }) }, { doc: 'o' });
    const issues = validate(o, { c2s: [{ port: 1 }, { port: 'abc', ip: 3 }] }, 'listen');
    assert.equal(issues.ok, false);
    assert.deepEqual(issues.ok ? [] : issues.issues.map((i) => i.path), [
      'listen.c2s[1].port',
      'listen.c2s[1].ip',
    ]);
  });

  test('a non-table value is rejected', () => {
    assert.equal(issuesOf(listener, [1])[0].reason, 'expected a table, got an array');
  });

  test('check reports cross-field problems at a relative path, only when fields are valid', () => {
    const range = s.object(
      { min: s.int({ default: 1, doc: 'a' }), max: s.int({ default: 2, doc: 'b' }) },
      {
        doc: 'r',
        check(v, report) {
          if (v.min > v.max) report('max', 'must be >= min');
        },
      },
    );
    const wrapped = s.object({ range }, { doc: 'w' });
    assert.deepEqual(issuesOf(wrapped, { range: { min: 5 } }), [
      { path: 'range.max', reason: 'must be >= min' },
    ]);
    assert.deepEqual(issuesOf(wrapped, { range: { min: 'x' } }).length, 1);
  });
});

describe('arrays, records, oneOf', () => {
  test('array defaults are raw values parsed through the item schema', () => {
    const a = s.array(listener, { default: [{ port: 1 }], doc: 'a' });
    assert.deepEqual(parsedValue(a, undefined), [{ port: 1, ip: '0.0.0.0' }]);
    assert.equal(issuesOf(a, 'x')[0].reason, 'expected an array, got "x"');
    const nonEmpty = s.array(s.string({ doc: 'h' }), { minItems: 1, doc: 'h' });
    assert.equal(issuesOf(nonEmpty, [])[0].reason, 'expected at least 1 item(s), got 0');
  });

  test('record validates each named entry and its name', () => {
    const r = s.record(s.object({ max_rate: s.int({ min: 1, doc: 'm' }) }, { doc: 's' }), {
      keyPattern: /^[a-z]+$/,
      keyHint: 'lowercase letters',
      doc: 'r',
    });
    assert.deepEqual(parsedValue(r, { fast: { max_rate: 5 } }), { fast: { max_rate: 5 } });
    assert.deepEqual(parsedValue(r, undefined), {});
    assert.deepEqual(issuesOf(r, { fast: { max_rate: 0 }, Bad: { max_rate: 1 } }), [
      { path: 'fast.max_rate', reason: 'expected an integer >= 1, got 0' },
      { path: 'Bad', reason: 'invalid name, expected lowercase letters' },
    ]);
  });

  test('oneOf takes the first alternative that accepts the value', () => {
    const ws = s.oneOf([s.string({ doc: 'p' }), s.literal(false, { doc: 'off' })], {
      default: '/ws',
      doc: 'w',
    });
    const v: string | false = parsedValue(ws, false);
    assert.equal(v, false);
    assert.equal(parsedValue(ws, undefined), '/ws');
    assert.equal(issuesOf(ws, true)[0].reason, 'expected string or false, got true');
  });
});

test('describeSchema lists keys with type, default and doc, parents first', () => {
  const o = s.object(
    {
      listen: s.array(listener, { default: [], doc: 'listeners' }),
      shaper: s.record(s.object({ max_rate: s.int({ doc: 'rate' }) }, { doc: 's' }), { doc: 'sh' }),
      cookie: s.optional(s.string({ doc: 'secret' })),
    },
    { doc: 'root' },
  );
  assert.deepEqual(describeSchema(o), [
    { key: 'listen', type: 'array of tables', default: '[]', doc: 'listeners' },
    { key: 'listen[].port', type: 'integer between 1 and 65535', default: '5222', doc: 'port' },
    { key: 'listen[].ip', type: 'string', default: '"0.0.0.0"', doc: 'ip' },
    { key: 'shaper', type: 'table of tables', default: '{}', doc: 'sh' },
    { key: 'shaper.<name>.max_rate', type: 'integer', default: 'required', doc: 'rate' },
    { key: 'cookie', type: 'string', default: 'unset', doc: 'secret' },
  ]);
});

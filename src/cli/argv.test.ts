import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArgvError, parseArgv } from './argv.ts';

test('options anywhere before --, a lone - is an argument', () => {
  assert.deepEqual(parseArgv(['--node', 'n@h', 'register', 'a', 'h', '-', '--json']), {
    options: { json: true, force: false, help: false, node: 'n@h', flags: {} },
    command: 'register',
    args: ['a', 'h', '-'],
  });
  assert.deepEqual(parseArgv(['send_message', 'a@h', 'b@h', '--', '--not-an-option']).args, [
    'a@h',
    'b@h',
    '--not-an-option',
  ]);
  assert.equal(parseArgv(['--timeout=2.5', 'started']).options.timeoutSeconds, 2.5);
  assert.equal(parseArgv(['-f', 'x']).options.force, true);
});

test('unknown options, missing values and bad timeouts are errors', () => {
  assert.throws(() => parseArgv(['-x']), ArgvError);
  assert.deepEqual(
    parseArgv(['drain', '--batch', '5', '--frob'], new Set(['batch'])).options.flags,
    {
      batch: '5',
      frob: true,
    },
  );
  assert.throws(() => parseArgv(['status', '--config']), /option --config needs a value/);
  assert.throws(() => parseArgv(['--timeout', '-1', 'started']), /positive number of seconds/);
});

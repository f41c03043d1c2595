import assert from 'node:assert/strict';
import { test } from 'node:test';
import { captureLog } from '../../test/cli/support/log-capture.ts';
import { checkFdLimit, parseProcLimits, readFdLimit } from './fd-limits.ts';

const SAMPLE = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
`;

test('parses the open-files line of /proc/self/limits', () => {
  assert.deepEqual(parseProcLimits(SAMPLE), { soft: 1024, hard: 524288 });
  assert.deepEqual(parseProcLimits('Max open files  unlimited  unlimited  files'), {
    soft: Number.POSITIVE_INFINITY,
    hard: Number.POSITIVE_INFINITY,
  });
  assert.equal(parseProcLimits('nothing here'), undefined);
});

test('reads this process limit on Linux', () => {
  const limit = readFdLimit();
  assert.ok(limit && limit.soft > 0 && limit.hard >= limit.soft);
});

test('one warning naming the limit, the need and the fix when the limit is too low', () => {
  const { log, has } = captureLog();
  assert.equal(checkFdLimit({ soft: 1024, hard: 4096 }, 10_000, log, 'meerkat'), true);
  const [w, ...rest] = has('fd_limit_low');
  assert.equal(rest.length, 0);
  assert.equal(w!.soft, 1024);
  assert.equal(w!.need, 10_256);
  const msg = String(w!.msg);
  assert.match(msg, /open-files limit is 1024 but max_connections = 10000 needs at least 10256/);
  assert.match(msg, /meerkat soft nofile 65536/);
  assert.match(msg, /meerkat hard nofile 65536/);
  assert.match(msg, /session required pam_limits\.so/);
  assert.match(msg, /LimitNOFILE=65536/);
});

test('no warning when the limit covers max_connections plus the margin', () => {
  const { log, lines } = captureLog();
  assert.equal(checkFdLimit({ soft: 20_000, hard: 20_000 }, 10_000, log), false);
  assert.equal(checkFdLimit(undefined, 10_000, log), false);
  assert.equal(lines.length, 0);
});

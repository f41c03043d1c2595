import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { closeLogger, createLogger, silentLogger } from './logger.ts';

function withTempDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meerkat-log-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

function readLines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('createLogger', () => {
  test(
    'writes one JSON object per line with what, level label, ISO time and base fields',
    withTempDir(async (dir) => {
      const file = join(dir, 'nested', 'log', 'meerkat.log');
      const log = createLogger({ level: 'info', file, stdout: false, base: { node: 'a@b' } });
      log.info({ what: 'c2s_login', jid: 'alice@localhost' });
      log.warn({ what: 'offline_write_failed' }, 'disk full');
      await closeLogger(log);
      const lines = readLines(file);
      assert.equal(lines.length, 2);
      assert.equal(lines[0].what, 'c2s_login');
      assert.equal(lines[0].jid, 'alice@localhost');
      assert.equal(lines[0].level, 'info');
      assert.equal(lines[0].node, 'a@b');
      assert.match(String(lines[0].time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(lines[1].msg, 'disk full');
      assert.equal(lines[1].level, 'warn');
    }),
  );

  test(
    'drops lines below the level and child loggers add their bindings',
    withTempDir(async (dir) => {
      const file = join(dir, 'm.log');
      const log = createLogger({ level: 'info', file, stdout: false });
      log.debug({ what: 'too_low' });
      log.child({ sid: 's1' }).info({ what: 'from_child' });
      await closeLogger(log);
      const lines = readLines(file);
      assert.deepEqual(
        lines.map((l) => [l.what, l.sid]),
        [['from_child', 's1']],
      );
    }),
  );

  test(
    'appends to an existing file',
    withTempDir(async (dir) => {
      const file = join(dir, 'm.log');
      for (const what of ['first', 'second']) {
        const log = createLogger({ level: 'info', file, stdout: false });
        log.info({ what });
        await closeLogger(log);
      }
      assert.deepEqual(
        readLines(file).map((l) => l.what),
        ['first', 'second'],
      );
    }),
  );

  test(
    'redacts password, cookie and secret keys, also nested',
    withTempDir(async (dir) => {
      const file = join(dir, 'm.log');
      const log = createLogger({ level: 'info', file, stdout: false });
      log.info({
        what: 'x',
        password: 'p1',
        cookie: 'c1',
        creds: { secret: 's1', a: { password: 'p2' } },
      });
      await closeLogger(log);
      const text = readFileSync(file, 'utf8');
      for (const leaked of ['p1', 'c1', 's1', 'p2'])
        assert.ok(!text.includes(`"${leaked}"`), leaked);
      assert.equal(readLines(file)[0].password, '[redacted]');
    }),
  );
});

test('silentLogger accepts calls and writes nothing', () => {
  const log = silentLogger();
  log.error({ what: 'ignored' });
  assert.equal(log.level, 'silent');
});

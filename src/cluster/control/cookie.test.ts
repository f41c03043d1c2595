import assert from 'node:assert/strict';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveCookie } from './cookie.ts';

test('the node generates a 0600 cookie in the data dir once and reuses it', async () => {
  const dataDir = join(await mkdtemp(join(tmpdir(), 'cookie-')), 'data');
  const first = await resolveCookie({ dataDir, create: true });
  assert.ok(first.length >= 40);
  assert.equal((await stat(join(dataDir, 'cookie'))).mode & 0o777, 0o600);
  assert.equal(await resolveCookie({ dataDir, create: true }), first);
  assert.equal(await resolveCookie({ dataDir, create: false }), first);
});

test('meerkatctl does not create a cookie and says where it looked', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'cookie-'));
  await assert.rejects(
    resolveCookie({ dataDir, create: false }),
    /no cookie: .*cookie does not exist/,
  );
});

test('precedence: MEERKAT_COOKIE, then cookie, then cookie_file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cookie-'));
  const file = join(dir, 'c');
  await writeFile(file, 'from-file\n');
  const base = { dataDir: dir, create: true };
  assert.equal(await resolveCookie({ ...base, cookieFile: file }), 'from-file');
  assert.equal(await resolveCookie({ ...base, cookieFile: file, cookie: 'inline' }), 'inline');
  assert.equal(
    await resolveCookie({ ...base, cookie: 'inline', env: { MEERKAT_COOKIE: 'env' } }),
    'env',
  );
  await assert.rejects(
    resolveCookie({ ...base, cookieFile: join(dir, 'missing') }),
    /does not exist/,
  );
  await assert.rejects(readFile(join(dir, 'cookie')), /ENOENT/);
});

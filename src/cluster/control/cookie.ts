import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensurePrivateDir } from '../../storage/private-files.ts';

export interface CookieSource {
  /** `[node] cookie` */
  cookie?: string | undefined;
  /** `[node] cookie_file` */
  cookieFile?: string | undefined;
  /** `[general] data_dir`: the generated cookie lives in `<data_dir>/cookie`. */
  dataDir: string;
  /** MEERKAT_COOKIE overrides everything. */
  env?: NodeJS.ProcessEnv;
  /** The node creates the data-dir cookie on first start; meerkatctl only reads it. */
  create: boolean;
}

export function defaultCookiePath(dataDir: string): string {
  return join(dataDir, 'cookie');
}

async function readCookieFile(path: string): Promise<string | undefined> {
  try {
    const cookie = (await readFile(path, 'utf8')).trim();
    if (cookie === '') throw new Error(`cookie file ${path} is empty`);
    return cookie;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The cookie, by precedence: env MEERKAT_COOKIE, `cookie`, `cookie_file`, `<data_dir>/cookie`. */
export async function resolveCookie(src: CookieSource): Promise<string> {
  const fromEnv = src.env?.MEERKAT_COOKIE;
  if (fromEnv) return fromEnv;
  if (src.cookie) return src.cookie;
  if (src.cookieFile) {
    const cookie = await readCookieFile(src.cookieFile);
    if (cookie === undefined) throw new Error(`cookie_file ${src.cookieFile} does not exist`);
    return cookie;
  }
  const path = defaultCookiePath(src.dataDir);
  const existing = await readCookieFile(path);
  if (existing !== undefined) return existing;
  if (!src.create) {
    throw new Error(`no cookie: ${path} does not exist (has the node started once?)`);
  }
  ensurePrivateDir(src.dataDir);
  const cookie = randomBytes(32).toString('base64url');
  try {
    // 0600: the cookie is a password to the whole cluster.
    await writeFile(path, `${cookie}\n`, { mode: 0o600, flag: 'wx' });
    return cookie;
  } catch (err) {
    // Another process created it between our read and write: theirs wins.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return (await readCookieFile(path))!;
    throw err;
  }
}

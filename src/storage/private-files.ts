import {
  chmodSync,
  closeSync,
  existsSync,
  fchmodSync,
  fstatSync,
  mkdirSync,
  openSync,
  statSync,
} from 'node:fs';

/**
 * The data dir holds the account database, the cookie, the TLS key and the logs: only the
 * node's own user may read it (issue 10, "secure by default"). These helpers are synchronous:
 * they run once at start-up, before anything else opens a file there.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates `dir` (and missing parents) 0700. An existing directory is left as it is (the
 * operator may share it on purpose); the answer says whether group or others can enter it,
 * for the caller to warn.
 */
export function ensurePrivateDir(dir: string): { loose: boolean; mode: number } {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const mode = statSync(dir).mode & 0o777;
  return { loose: (mode & 0o077) !== 0, mode };
}

/**
 * Creates `file` empty if it is missing and makes it 0600 either way: a file the node writes
 * secrets or personal data to (database, log) is tightened even when an earlier version made
 * it readable to others. Not for files the node did not create (cookie_file, certificates).
 */
export function ensurePrivateFile(file: string): void {
  const fd = openSync(file, 'a', PRIVATE_FILE_MODE);
  try {
    if ((fstatSync(fd).mode & 0o077) !== 0) fchmodSync(fd, PRIVATE_FILE_MODE);
  } finally {
    closeSync(fd);
  }
}

/**
 * The SQLite database and its -wal/-shm side files 0600. SQLite creates the side files with
 * the mode of the database file (unix VFS, findCreateFileMode), so making the database file
 * first, 0600, covers the ones it creates later; existing ones are tightened here.
 */
export function ensurePrivateSqliteFiles(path: string): void {
  if (path === '' || path === ':memory:' || path.startsWith('file:')) return;
  ensurePrivateFile(path);
  for (const side of [`${path}-wal`, `${path}-shm`, `${path}-journal`]) {
    if (existsSync(side) && (statSync(side).mode & 0o077) !== 0) chmodSync(side, PRIVATE_FILE_MODE);
  }
}

import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export function pidFilePath(dataDir: string): string {
  return join(dataDir, 'meerkat.pid');
}

export async function writePidFile(dataDir: string, pid: number): Promise<void> {
  await writeFile(pidFilePath(dataDir), `${pid}\n`, { mode: 0o644 });
}

export async function readPidFile(dataDir: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(pidFilePath(dataDir), 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Removes the pid file only if it still names `pid` (a newer node may own it already). */
export async function removePidFile(dataDir: string, pid: number): Promise<void> {
  if ((await readPidFile(dataDir)) === pid) await rm(pidFilePath(dataDir), { force: true });
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

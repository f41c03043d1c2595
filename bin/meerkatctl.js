#!/usr/bin/env node
// Launcher: the built CLI when `npm run build` has run and the build is not older than the
// sources (a stale build would run old code), else the TypeScript source through tsx.
// Paths resolve from this file, so meerkatctl works from any directory.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const built = fileURLToPath(new URL('../dist/src/cli/meerkatctl.js', import.meta.url));
const srcDir = fileURLToPath(new URL('../src', import.meta.url));

function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

const useBuild =
  existsSync(built) && (!existsSync(srcDir) || statSync(built).mtimeMs >= newestSource(srcDir));
if (useBuild) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/meerkatctl.ts', import.meta.url).href);
}

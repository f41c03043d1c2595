#!/usr/bin/env node
// Launcher: the built CLI when `npm run build` has run, else the TypeScript source through tsx.
// Paths resolve from this file, so meerkatctl works from any directory.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const built = fileURLToPath(new URL('../dist/src/cli/meerkatctl.js', import.meta.url));
if (existsSync(built)) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/meerkatctl.ts', import.meta.url).href);
}

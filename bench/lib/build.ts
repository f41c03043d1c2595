/**
 * Compiles the bench server and load generator to plain JavaScript before a run
 * (dist/bench/*.mjs; dist/ is git-ignored), with esbuild, which tsx already brings along.
 *
 * Why not run them under tsx: tsx compiles with esbuild's keepNames, which wraps every function
 * expression in a `__name(fn, "...")` call that defines a `name` property on each closure
 * instance. Each closure then carries its own property array (~250 bytes): about 20 closures per
 * connection (parser and socket callbacks), i.e. ~5 KiB of heap per idle session that the
 * production build (tsc, no keepNames) does not have. BENCH_TSX=1 runs the sources under tsx.
 */

import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface BenchEntries {
  server: string;
  loadgen: string;
  /** Node flags needed to run the entries (tsx's loader when running the sources). */
  execArgv: string[];
}

export async function benchEntries(useTsx: boolean): Promise<BenchEntries> {
  const src = { server: `${ROOT}bench/server.ts`, loadgen: `${ROOT}bench/loadgen/main.ts` };
  if (useTsx) return { ...src, execArgv: ['--import', 'tsx'] };
  const out = { server: `${ROOT}dist/bench/server.mjs`, loadgen: `${ROOT}dist/bench/loadgen.mjs` };
  await Promise.all(
    (['server', 'loadgen'] as const).map((k) =>
      build({
        entryPoints: [src[k]],
        outfile: out[k],
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        // node_modules stay imports: resolved from dist/bench/ up to the project's node_modules.
        packages: 'external',
        keepNames: false,
        logLevel: 'warning',
      }),
    ),
  );
  return { ...out, execArgv: [] };
}

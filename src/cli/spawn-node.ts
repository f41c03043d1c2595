import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Target } from './target.ts';

/**
 * The command that runs a node: the built dist/src/main.js when meerkatctl itself runs from
 * dist, else src/main.ts through tsx (resolved from this file, so any cwd works).
 */
export function nodeCommand(): { execArgv: string[]; main: string } {
  const fromSource = import.meta.url.endsWith('.ts');
  const main = fileURLToPath(new URL(fromSource ? '../main.ts' : '../main.js', import.meta.url));
  return fromSource
    ? { execArgv: ['--import', import.meta.resolve('tsx')], main }
    : { execArgv: [], main };
}

export function spawnNode(
  target: Target,
  extraArgs: string[],
  stdio: StdioOptions,
  detached: boolean,
): Promise<ChildProcess> {
  const { execArgv, main } = nodeCommand();
  const args = [...execArgv, main];
  if (target.configPath !== undefined) args.push('--config', target.configPath);
  args.push(...extraArgs);
  const child = spawn(process.execPath, args, {
    stdio,
    detached,
    env: target.env,
    cwd: target.cwd,
  });
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve(child));
    child.once('error', reject);
  });
}

import type { Readable } from 'node:stream';

/** Everything meerkatctl touches outside itself, so tests can run it in-process too. */
export interface CliContext {
  out(text: string): void;
  err(text: string): void;
  stdin: Readable;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export const EXIT = { ok: 0, error: 1, usage: 2, unreachable: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Reads one line from stdin: how passwords given as `-` reach us without shell history. */
export async function readSecretLine(stdin: Readable): Promise<string> {
  let data = '';
  for await (const chunk of stdin) {
    data += chunk.toString();
    const nl = data.indexOf('\n');
    if (nl !== -1) return data.slice(0, nl).replace(/\r$/, '');
    if (data.length > 64 * 1024) break;
  }
  return data.replace(/\r?\n$/, '');
}

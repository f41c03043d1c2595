import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const DOC = fileURLToPath(new URL('../../../docs/load-balancing.md', import.meta.url));

/**
 * The fenced block that follows `<!-- tested: NAME -->` in docs/load-balancing.md: the tests
 * run the documented configurations themselves, so the documentation cannot drift.
 */
export async function documentedConfig(name: string): Promise<string> {
  const doc = await readFile(DOC, 'utf8');
  const marker = `<!-- tested: ${name} -->`;
  const at = doc.indexOf(marker);
  if (at === -1) throw new Error(`docs/load-balancing.md has no block marked ${marker}`);
  const m = /```[a-z]*\n([\s\S]*?)```/.exec(doc.slice(at));
  if (!m) throw new Error(`no fenced block after ${marker}`);
  return m[1]!;
}

/**
 * Applies exact replacements (addresses, ports, intervals); each must occur, so a change to
 * the documented block that the test does not know about fails loudly.
 */
export function substitute(text: string, replacements: readonly [string, string][]): string {
  let out = text;
  for (const [from, to] of replacements) {
    if (!out.includes(from)) throw new Error(`documented config no longer contains: ${from}`);
    out = out.split(from).join(to);
  }
  return out;
}

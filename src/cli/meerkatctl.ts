import { runCli } from './run-cli.ts';

/** Entry point of `meerkatctl` (bin/meerkatctl.js loads this file). */
const code = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
}).catch((err: unknown) => {
  process.stderr.write(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
  return 1;
});
// Exit once stdout has drained, whatever handles (stdin, a dying socket) are still open.
process.stdout.write('', () => process.exit(code));

/**
 * meerkatctl's command line: `meerkatctl [OPTIONS] COMMAND [ARGS...]`. Options may appear
 * anywhere before `--`; after `--` everything is an argument (a message body starting with `-`).
 * A lone `-` is an argument (read the secret from stdin).
 */
export interface GlobalOptions {
  config?: string;
  node?: string;
  cookie?: string;
  json: boolean;
  timeoutSeconds?: number;
  force: boolean;
  help: boolean;
  /** Long options the global set does not know: a command's own flags (checked per command). */
  flags: Record<string, string | boolean>;
}

export interface ParsedArgv {
  options: GlobalOptions;
  command: string | undefined;
  args: string[];
}

export class ArgvError extends Error {
  override readonly name = 'ArgvError';
}

const VALUED = new Set(['--config', '--node', '--cookie', '--timeout']);

/**
 * `valuedFlags`: command flags that take a value (`--batch 10`), from the command registry;
 * any other unknown long option is a boolean command flag, checked once the command is known.
 */
export function parseArgv(
  argv: readonly string[],
  valuedFlags: ReadonlySet<string> = new Set(),
): ParsedArgv {
  const options: GlobalOptions = { json: false, force: false, help: false, flags: {} };
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!token.startsWith('-') || token === '-') {
      positional.push(token);
      continue;
    }
    const eq = token.indexOf('=');
    const name = eq === -1 ? token : token.slice(0, eq);
    if (VALUED.has(name)) {
      const value = eq === -1 ? argv[++i] : token.slice(eq + 1);
      if (value === undefined) throw new ArgvError(`option ${name} needs a value`);
      setValued(options, name, value);
    } else if (name === '--json') options.json = true;
    else if (name === '-f' || name === '--force') options.force = true;
    else if (name === '-h' || name === '--help') options.help = true;
    else if (name.startsWith('--') && name.length > 2) {
      const flag = name.slice(2);
      if (valuedFlags.has(flag)) {
        const value = eq === -1 ? argv[++i] : token.slice(eq + 1);
        if (value === undefined) throw new ArgvError(`option ${name} needs a value`);
        options.flags[flag] = value;
      } else options.flags[flag] = eq === -1 ? true : token.slice(eq + 1);
    } else throw new ArgvError(`unknown option ${token}`);
  }
  return { options, command: positional[0], args: positional.slice(1) };
}

function setValued(options: GlobalOptions, name: string, value: string): void {
  if (name === '--config') options.config = value;
  else if (name === '--node') options.node = value;
  else if (name === '--cookie') options.cookie = value;
  else {
    const seconds = Number(value);
    if (!Number.isFinite(seconds) || seconds <= 0) {
      throw new ArgvError(`option --timeout expects a positive number of seconds, got '${value}'`);
    }
    options.timeoutSeconds = seconds;
  }
}

import type { AdminServices } from './services.ts';

/**
 * One definition per operator command. meerkatctl, the HTTP admin API and the docs all read
 * these definitions, so a command's name, arguments and wording exist in exactly one place.
 */
export interface ArgSpec {
  /** Upper-case placeholder shown in usage lines, e.g. `USER`. */
  name: string;
  /** What the value is; shown in help and in "wrong argument" errors. */
  doc: string;
  /** The value is a secret: meerkatctl reads it from stdin when given as `-`. */
  stdinSecret?: boolean;
  /** Returns what was expected when `value` is unacceptable, undefined when it is fine. */
  check?: (value: string) => string | undefined;
}

export interface FlagSpec {
  name: string;
  doc: string;
  /** Placeholder of the flag's value; absent for boolean flags. */
  value?: string;
}

export type CommandFlags = Record<string, string | boolean>;

export interface CommandOutput {
  text: string;
  json?: unknown;
  exitCode?: 0 | 1;
}

export interface CommandDefinition {
  name: string;
  group: string;
  summary: string;
  args: readonly ArgSpec[];
  flags?: readonly FlagSpec[];
  /** Warning shown before a changing command runs without `-f`. */
  confirm?: (args: readonly string[]) => string;
  readOnly: boolean;
  run(
    services: AdminServices,
    args: readonly string[],
    flags: CommandFlags,
  ): Promise<CommandOutput>;
}

/** A failure the operator should read: printed as `Error: message`, exit code 1. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
}

/** Wrong number or shape of arguments: printed with the usage line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function defineCommand(def: CommandDefinition): CommandDefinition {
  return def;
}

export function usageLine(def: Pick<CommandDefinition, 'name' | 'args'>): string {
  return [def.name, ...def.args.map((a) => a.name)].join(' ');
}

/** Checks count and shape of arguments; the error names the argument and what it expects. */
export function validateArgs(
  def: Pick<CommandDefinition, 'name' | 'args'>,
  args: unknown,
): string[] {
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) {
    throw new UsageError(`arguments of '${def.name}' must be strings`);
  }
  if (args.length < def.args.length) {
    const missing = def.args[args.length]!;
    throw new UsageError(`missing argument ${missing.name} (${missing.doc})`);
  }
  if (args.length > def.args.length) {
    const expected = def.args.length === 0 ? 'none' : def.args.map((a) => a.name).join(' ');
    throw new UsageError(
      `too many arguments: '${def.name}' takes ${def.args.length} (${expected}), got ${args.length}`,
    );
  }
  def.args.forEach((spec, i) => {
    const problem = spec.check?.(args[i] as string);
    if (problem !== undefined) throw new UsageError(`invalid ${spec.name}: expected ${problem}`);
  });
  return args as string[];
}

export interface CommandRegistry {
  get(name: string): CommandDefinition | undefined;
  list(): readonly CommandDefinition[];
}

export function createCommandRegistry(defs: readonly CommandDefinition[]): CommandRegistry {
  const byName = new Map<string, CommandDefinition>();
  for (const def of defs) {
    if (byName.has(def.name)) throw new Error(`duplicate command ${def.name}`);
    byName.set(def.name, def);
  }
  return { get: (name) => byName.get(name), list: () => defs };
}

/** Runs a command with validated arguments; any error but CommandError/UsageError is rethrown. */
export async function runCommand(
  def: CommandDefinition,
  services: AdminServices,
  args: unknown,
  flags: CommandFlags,
): Promise<CommandOutput> {
  const checked = validateArgs(def, args);
  return def.run(services, checked, flags);
}

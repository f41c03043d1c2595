import { createAdminRegistry } from '../admin/index.ts';
import { ConfigError } from '../config/index.ts';
import { ArgvError, type GlobalOptions, parseArgv } from './argv.ts';
import { type CliContext, EXIT, type ExitCode } from './context.ts';
import { commandHelp, commandList, findCommand, USAGE } from './help.ts';
import * as lifecycle from './lifecycle.ts';
import { connectTarget, printOutcome, runRemote, usageError } from './remote.ts';
import { resolveTarget, type Target } from './target.ts';

type LocalRunner = (ctx: CliContext, target: Target, o: GlobalOptions) => Promise<ExitCode>;

const LOCAL: Record<string, LocalRunner> = {
  start: (ctx, t) => lifecycle.start(ctx, t),
  foreground: (ctx, t) => lifecycle.foreground(ctx, t),
  live: (ctx, t) => lifecycle.foreground(ctx, t),
  started: lifecycle.started,
  stopped: lifecycle.stopped,
  stop: lifecycle.stop,
  restart: lifecycle.restart,
  ping: lifecycle.ping,
};

/** meerkatctl: returns the exit code (0 ok, 1 error, 2 usage, 3 node not reachable). */
export async function runCli(argv: readonly string[], ctx: CliContext): Promise<ExitCode> {
  const registry = createAdminRegistry();
  let parsed: ReturnType<typeof parseArgv>;
  try {
    const valued = new Set(
      registry.list().flatMap((d) => (d.flags ?? []).filter((f) => f.value).map((f) => f.name)),
    );
    parsed = parseArgv(argv, valued);
  } catch (err) {
    if (!(err instanceof ArgvError)) throw err;
    ctx.err(`Error: ${err.message}`);
    ctx.err(USAGE);
    return EXIT.usage;
  }
  const { options, command, args } = parsed;
  const flagNames = Object.keys(options.flags);
  if (command !== undefined && flagNames.length > 0) {
    const declared = new Set((registry.get(command)?.flags ?? []).map((f) => f.name));
    const bad = flagNames.find((f) => !declared.has(f));
    if (bad !== undefined) {
      ctx.err(`Error: unknown option --${bad}${registry.get(command) ? ` for '${command}'` : ''}`);
      ctx.err(USAGE);
      return EXIT.usage;
    }
  }
  if (command === undefined) {
    ctx.out(commandList(registry));
    return options.help ? EXIT.ok : EXIT.usage;
  }
  if (command === 'help' || options.help) {
    const name = command === 'help' ? args[0] : command;
    if (name === undefined) {
      ctx.out(commandList(registry));
      return EXIT.ok;
    }
    const cmd = findCommand(registry, name);
    if (!cmd) return unknownCommand(ctx, name);
    ctx.out(commandHelp(cmd));
    return EXIT.ok;
  }
  const local: LocalRunner | undefined = Object.hasOwn(LOCAL, command) ? LOCAL[command] : undefined;
  const def = registry.get(command);
  if (!local && !def) return runModuleCommand(ctx, command, args, options);
  if (local && args.length > 0) {
    return usageError(
      ctx,
      findCommand(registry, command)!,
      `too many arguments: '${command}' takes 0 (none), got ${args.length}`,
    );
  }
  let target: Target;
  try {
    target = resolveTarget(options, ctx.env, ctx.cwd);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    ctx.err(err.message);
    return EXIT.error;
  }
  if (local) return local(ctx, target, options);
  return runRemote(ctx, def!, args, options, target);
}

/**
 * A name the core registry does not know may be an enabled module's command (offline_count...):
 * the node decides. When no node answers, the name is simply unknown (exit 2).
 */
async function runModuleCommand(
  ctx: CliContext,
  command: string,
  args: string[],
  options: GlobalOptions,
): Promise<ExitCode> {
  let target: Target;
  try {
    target = resolveTarget(options, ctx.env, ctx.cwd);
  } catch {
    return unknownCommand(ctx, command);
  }
  let conn: Awaited<ReturnType<typeof connectTarget>>;
  try {
    conn = await connectTarget(target, (options.timeoutSeconds ?? 10) * 1000);
  } catch {
    return unknownCommand(ctx, command);
  }
  try {
    const outcome = await conn.call(command, args, options.flags);
    if (outcome.type === 'error' && outcome.kind === 'unknown_command') {
      return unknownCommand(ctx, command);
    }
    return printOutcome(ctx, { name: command, args: [] }, outcome, options.json);
  } finally {
    conn.close();
  }
}

function unknownCommand(ctx: CliContext, name: string): ExitCode {
  ctx.err(`Unknown command '${name}'`);
  ctx.err("Run 'meerkatctl help' for the list of commands.");
  return EXIT.usage;
}

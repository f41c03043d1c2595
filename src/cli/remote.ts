import { createInterface } from 'node:readline';
import {
  type CommandDefinition,
  UsageError,
  usageLine,
  validateArgs,
} from '../admin/command-registry.ts';
import {
  type CallOutcome,
  ConnectError,
  type ControlConnection,
  connectToNode,
} from '../cluster/control/index.ts';
import type { GlobalOptions } from './argv.ts';
import { type CliContext, EXIT, type ExitCode, readSecretLine } from './context.ts';
import type { Target } from './target.ts';

export const DEFAULT_CALL_TIMEOUT_S = 30;

export class UnreachableError extends Error {
  override readonly name = 'UnreachableError';
}

export async function connectTarget(target: Target, timeoutMs: number): Promise<ControlConnection> {
  try {
    const cookie = await target.cookie();
    return await connectToNode(target.nodeName, cookie, {
      portMin: target.portMin,
      portMax: target.portMax,
      timeoutMs,
    });
  } catch (err) {
    throw new UnreachableError((err as Error).message);
  }
}

export function failedToConnect(ctx: CliContext, target: Target, reason: string): ExitCode {
  ctx.err(`Failed to connect to the node ${target.nodeName}: ${reason}`);
  return EXIT.unreachable;
}

export function usageError(
  ctx: CliContext,
  def: Pick<CommandDefinition, 'name' | 'args'>,
  message: string,
): ExitCode {
  ctx.err(`Error: ${message}`);
  ctx.err(`Usage: meerkatctl ${usageLine(def)}`);
  return EXIT.usage;
}

/** Prints a node's answer and maps it to meerkatctl's exit code. */
export function printOutcome(
  ctx: CliContext,
  def: Pick<CommandDefinition, 'name' | 'args'>,
  outcome: CallOutcome,
  json: boolean,
): ExitCode {
  if (outcome.type === 'error') {
    if (outcome.kind === 'usage') return usageError(ctx, def, outcome.message);
    if (outcome.kind === 'unknown_command') {
      ctx.err(outcome.message);
      return EXIT.usage;
    }
    ctx.err(`Error: ${outcome.message}`);
    return EXIT.error;
  }
  if (json) ctx.out(JSON.stringify(outcome.json ?? { message: outcome.text }, null, 2));
  else if (outcome.text !== '') ctx.out(outcome.text);
  return outcome.exitCode;
}

/** Runs a command defined in the registry on the node, over its control port. */
export async function runRemote(
  ctx: CliContext,
  def: CommandDefinition,
  rawArgs: string[],
  options: GlobalOptions,
  target: Target,
): Promise<ExitCode> {
  let args: string[];
  try {
    args = validateArgs(def, rawArgs);
  } catch (err) {
    if (err instanceof UsageError) return usageError(ctx, def, err.message);
    throw err;
  }
  args = await readStdinSecrets(ctx, def, args);
  if (def.confirm && !options.force && !(await confirmed(ctx, def.confirm(args)))) {
    ctx.out('Operation discarded by user');
    return EXIT.error;
  }
  const timeoutMs = (options.timeoutSeconds ?? DEFAULT_CALL_TIMEOUT_S) * 1000;
  let conn: ControlConnection;
  try {
    conn = await connectTarget(target, timeoutMs);
  } catch (err) {
    if (err instanceof UnreachableError) return failedToConnect(ctx, target, err.message);
    throw err;
  }
  try {
    const flags: Record<string, string | boolean> = { ...options.flags };
    // A command that declares --timeout (drain) gets it too, besides the call's own deadline.
    if (
      options.timeoutSeconds !== undefined &&
      (def.flags ?? []).some((f) => f.name === 'timeout')
    ) {
      flags.timeout = String(options.timeoutSeconds);
    }
    return printOutcome(ctx, def, await conn.call(def.name, args, flags), options.json);
  } catch (err) {
    if (err instanceof ConnectError || (err as Error).name === 'FrameError') {
      return failedToConnect(ctx, target, (err as Error).message);
    }
    throw err;
  } finally {
    conn.close();
  }
}

async function readStdinSecrets(ctx: CliContext, def: CommandDefinition, args: string[]) {
  const out = [...args];
  for (const [i, spec] of def.args.entries()) {
    if (spec.stdinSecret && out[i] === '-') out[i] = await readSecretLine(ctx.stdin);
  }
  return out;
}

const QUESTION = 'Do you want to continue? (yes/no)';

/**
 * The seed's join_cluster prompt: a warning, then `(yes/no)` unless -f was given. `yes` goes
 * on, `no` discards; anything else asks again; end of input counts as `no`.
 */
async function confirmed(ctx: CliContext, warning: string): Promise<boolean> {
  const lines = createInterface({ input: ctx.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    ctx.out(`${warning} ${QUESTION}`);
    for await (const line of lines) {
      const answer = line.trim().toLowerCase();
      if (answer === 'yes') return true;
      if (answer === 'no') return false;
      ctx.out(QUESTION);
    }
    return false;
  } finally {
    lines.close();
  }
}

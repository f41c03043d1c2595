import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensurePrivateDir, ensurePrivateFile } from '../storage/private-files.ts';
import type { GlobalOptions } from './argv.ts';
import { type CliContext, EXIT, type ExitCode } from './context.ts';
import { processAlive, readPidFile, writePidFile } from './pid-file.ts';
import { connectTarget, failedToConnect, UnreachableError } from './remote.ts';
import { spawnNode } from './spawn-node.ts';
import type { Target } from './target.ts';

const DEFAULT_WAIT_S = 60;
const POLL_MS = 200;
const PROBE_TIMEOUT_MS = 2000;

type Probe =
  | { kind: 'answering'; status: string }
  | { kind: 'refused'; reason: string }
  | { kind: 'down'; reason: string };

/** One look at the node: does it answer, and in which state? */
async function probe(target: Target): Promise<Probe> {
  try {
    const conn = await connectTarget(target, PROBE_TIMEOUT_MS);
    try {
      const out = await conn.call('status', []);
      const status =
        out.type === 'result' ? String((out.json as { status?: unknown })?.status) : 'unknown';
      return { kind: 'answering', status };
    } finally {
      conn.close();
    }
  } catch (err) {
    const reason = (err as Error).message;
    // Something claiming our node name refused our cookie: a node is there.
    if (err instanceof UnreachableError && reason.startsWith('the node refused')) {
      return { kind: 'refused', reason };
    }
    return { kind: 'down', reason };
  }
}

const waitMs = (o: GlobalOptions) => (o.timeoutSeconds ?? DEFAULT_WAIT_S) * 1000;

export async function start(ctx: CliContext, target: Target): Promise<ExitCode> {
  if ((await probe(target)).kind !== 'down') {
    ctx.err('Node is already running!');
    return EXIT.error;
  }
  ensurePrivateDir(target.dataDir);
  const logFile = target.config.general.log_file ?? join(target.dataDir, 'meerkat.log');
  ensurePrivateFile(logFile);
  const fd = openSync(logFile, 'a');
  try {
    // Detached, own session, stdio to the log: the node outlives this shell.
    const child = await spawnNode(target, ['--log-file', logFile], ['ignore', fd, fd], true);
    child.unref();
    await writePidFile(target.dataDir, child.pid!);
    ctx.out(`Starting node ${target.nodeName} (pid ${child.pid}), log: ${logFile}`);
    return EXIT.ok;
  } finally {
    closeSync(fd);
  }
}

/** `foreground` and `live`: the node runs attached and logs to stdout; its exit code is ours. */
export async function foreground(ctx: CliContext, target: Target): Promise<ExitCode> {
  if ((await probe(target)).kind !== 'down') {
    ctx.err('Node is already running!');
    return EXIT.error;
  }
  const child = await spawnNode(target, ['--foreground'], 'inherit', false);
  const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
  const onTerm = forward('SIGTERM');
  const onInt = forward('SIGINT');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  const code = await new Promise<number>((resolve) => child.once('exit', (c) => resolve(c ?? 1)));
  process.off('SIGTERM', onTerm);
  process.off('SIGINT', onInt);
  return code === 0 ? EXIT.ok : EXIT.error;
}

export async function started(
  ctx: CliContext,
  target: Target,
  o: GlobalOptions,
): Promise<ExitCode> {
  const deadline = Date.now() + waitMs(o);
  let last: Probe = { kind: 'down', reason: 'not tried' };
  while (Date.now() < deadline) {
    last = await probe(target);
    if (last.kind === 'answering' && last.status === 'started') {
      ctx.out(`Node ${target.nodeName} is started`);
      return EXIT.ok;
    }
    await sleep(POLL_MS);
  }
  const secs = waitMs(o) / 1000;
  if (last.kind === 'answering') {
    ctx.err(`Error: node ${target.nodeName} is still ${last.status} after ${secs}s`);
    return EXIT.error;
  }
  return failedToConnect(ctx, target, `not started within ${secs}s (${last.reason})`);
}

export async function stopped(
  ctx: CliContext,
  target: Target,
  o: GlobalOptions,
): Promise<ExitCode> {
  if (await waitStopped(target, waitMs(o))) {
    ctx.out(`Node ${target.nodeName} is stopped`);
    return EXIT.ok;
  }
  ctx.err(`Error: node ${target.nodeName} is still running after ${waitMs(o) / 1000}s`);
  return EXIT.error;
}

/** Down means: nothing answers on the control port and the pid-file process has exited. */
async function waitStopped(target: Target, ms: number, knownPid?: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    // The node removes its pid file just before it exits: keep watching the pid we saw.
    const pid = knownPid ?? (await readPidFile(target.dataDir));
    if ((await probe(target)).kind === 'down' && (pid === undefined || !processAlive(pid)))
      return true;
    await sleep(POLL_MS);
  }
  return false;
}

export async function stop(ctx: CliContext, target: Target, o: GlobalOptions): Promise<ExitCode> {
  let conn: Awaited<ReturnType<typeof connectTarget>>;
  let pid: number | undefined;
  try {
    conn = await connectTarget(target, PROBE_TIMEOUT_MS);
  } catch (err) {
    return failedToConnect(ctx, target, (err as Error).message);
  }
  try {
    const status = await conn.call('status', []);
    const nodePid = status.type === 'result' ? (status.json as { pid?: number }).pid : undefined;
    // Only a node of this host writes our pid file; a remote node's pid means nothing here.
    pid =
      nodePid !== undefined && nodePid === (await readPidFile(target.dataDir))
        ? nodePid
        : undefined;
    const out = await conn.call('stop', []);
    if (out.type === 'error') {
      ctx.err(`Error: ${out.message}`);
      return EXIT.error;
    }
  } finally {
    conn.close();
  }
  if (!(await waitStopped(target, waitMs(o), pid))) {
    ctx.err(`Error: node ${target.nodeName} did not stop within ${waitMs(o) / 1000}s`);
    return EXIT.error;
  }
  ctx.out(`Node ${target.nodeName} stopped`);
  return EXIT.ok;
}

export async function restart(
  ctx: CliContext,
  target: Target,
  o: GlobalOptions,
): Promise<ExitCode> {
  const quiet: CliContext = { ...ctx, out: () => {} };
  const stopCode = await stop(quiet, target, o);
  if (stopCode !== EXIT.ok) return stopCode;
  const startCode = await start(quiet, target);
  if (startCode !== EXIT.ok) return startCode;
  const upCode = await started(quiet, target, o);
  if (upCode === EXIT.ok) ctx.out(`Node ${target.nodeName} restarted`);
  return upCode;
}

export async function ping(ctx: CliContext, target: Target, o: GlobalOptions): Promise<ExitCode> {
  try {
    const conn = await connectTarget(target, (o.timeoutSeconds ?? 5) * 1000);
    try {
      const out = await conn.call('ping', []);
      if (out.type === 'result' && out.text === 'pong') {
        ctx.out('pong');
        return EXIT.ok;
      }
    } finally {
      conn.close();
    }
    ctx.out('pang');
    return EXIT.error;
  } catch (err) {
    ctx.out('pang');
    return failedToConnect(ctx, target, (err as Error).message);
  }
}

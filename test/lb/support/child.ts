import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';

export interface Child {
  /** What the process wrote to stdout/stderr (for failure messages). */
  output(): string;
  /** The process has ended (a bad configuration, a port taken). */
  exited(): boolean;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/** Runs `cmd` in the foreground as a child of the test (no system service). */
export function startChild(cmd: string, args: string[]): Child {
  const proc: ChildProcess = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + String(d)).slice(-8000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  proc.on('error', (err) => keep(Buffer.from(String(err))));
  return {
    output: () => out,
    exited: () => proc.exitCode !== null || proc.signalCode !== null,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      });
    },
  };
}

/** Polls `probe` until it returns a value, or fails with `what` and the child's output. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  opts: { timeoutMs?: number; child?: Child } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  let last: unknown;
  while (Date.now() < deadline && !opts.child?.exited()) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const tail = opts.child ? `\n--- output:\n${opts.child.output()}` : '';
  throw new Error(`timed out waiting for ${what}${last ? ` (${String(last)})` : ''}${tail}`);
}

/** Resolves true once something accepts TCP connections on 127.0.0.1:port. */
export function accepts(port: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(undefined));
  });
}

/** Starting the bench server and load generators as child processes, and talking to them. */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import type {
  ChatCommand,
  ChatResult,
  LoginCommand,
  LoginResult,
  Reply,
} from '../loadgen/protocol.ts';
import type { ServerCommand, ServerReply } from '../server.ts';
import type { BenchEntries } from './build.ts';
import { benchPriority, setProcessPriority } from './proc.ts';

/** The next IPC message of a child, or an error if it exits first. */
function nextMessage<T>(child: ChildProcess, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMsg = (m: T) => {
      cleanup();
      resolve(m);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`child ${child.pid} exited (${code}) before replying`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`child ${child.pid} did not reply within ${timeoutMs} ms`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMsg);
      child.off('exit', onExit);
    };
    child.on('message', onMsg);
    child.on('exit', onExit);
  });
}

export class BenchServer {
  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly pid: number,
    readonly setupMs: number,
  ) {}

  /** Extra node flags (e.g. `--cpu-prof`) go in `nodeFlags`. */
  static async start(
    entries: BenchEntries,
    configPath: string,
    users: number,
    nodeFlags: string[] = [],
  ): Promise<BenchServer> {
    const child = fork(entries.server, ['--config', configPath, '--users', `${users}`], {
      execArgv: [...entries.execArgv, '--expose-gc', ...nodeFlags],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const r = await nextMessage<ServerReply>(child, 300_000);
    if (r.kind !== 'ready') throw new Error(`bench server: unexpected ${r.kind}`);
    const nice = benchPriority();
    if (nice !== undefined) setProcessPriority(r.pid, nice);
    return new BenchServer(child, r.port, r.pid, r.setupMs);
  }

  async mem(gc: boolean): Promise<Extract<ServerReply, { kind: 'mem' }>> {
    const reply = nextMessage<ServerReply>(this.child, 30_000);
    this.child.send({ cmd: 'mem', gc } satisfies ServerCommand);
    const r = await reply;
    if (r.kind !== 'mem') throw new Error(`bench server: unexpected ${r.kind}`);
    return r;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.send({ cmd: 'stop' } satisfies ServerCommand);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }
}

export class LoadGen {
  private constructor(readonly child: ChildProcess) {}

  static start(entries: BenchEntries): LoadGen {
    const child = fork(entries.loadgen, [], {
      execArgv: entries.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const nice = benchPriority();
    if (nice !== undefined && child.pid !== undefined) setProcessPriority(child.pid, nice);
    return new LoadGen(child);
  }

  private async ask<R extends Reply>(cmd: object, kind: R['kind'], timeoutMs: number): Promise<R> {
    const reply = nextMessage<Reply>(this.child, timeoutMs);
    this.child.send(cmd);
    const r = await reply;
    if (r.kind === 'error') throw new Error(`load generator: ${r.message}`);
    if (r.kind !== kind) throw new Error(`load generator: expected ${kind}, got ${r.kind}`);
    return r as R;
  }

  login(c: Omit<LoginCommand, 'cmd'>): Promise<LoginResult> {
    return this.ask<LoginResult>({ cmd: 'login', ...c }, 'login', 600_000);
  }

  chat(c: Omit<ChatCommand, 'cmd'>): Promise<ChatResult> {
    return this.ask<ChatResult>(
      { cmd: 'chat', ...c },
      'chat',
      (c.durationS + c.drainS + 60) * 1000,
    );
  }

  /** Closes every client and ends the process; returns how many clients were still online. */
  async close(): Promise<number> {
    if (this.child.exitCode !== null) return 0;
    const exited = once(this.child, 'exit');
    const r = await this.ask<Extract<Reply, { kind: 'closed' }>>(
      { cmd: 'close' },
      'closed',
      60_000,
    ).catch(() => ({ online: 0 }));
    this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    return r.online;
  }
}

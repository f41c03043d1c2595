import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive, readPidFile } from '../../src/cli/pid-file.ts';
import { type CliResult, MEERKATCTL, type RunOptions, runCtl } from '../cli/support/cli-node.ts';
import { freePort } from '../cli/support/ports.ts';

/**
 * One Meerkat node as a real process, driven only through the real bin/meerkatctl.js run in
 * its own directory (its meerkat.toml there), as an operator would (issue 5).
 */
export interface ClusterProcess {
  name: string;
  dir: string;
  dataDir: string;
  c2sPort: number;
  service: string;
  run(args: string[], opts?: RunOptions): Promise<CliResult>;
  /** `meerkatctl start` then `meerkatctl started`; throws with the node's output on failure. */
  start(): Promise<void>;
  /** `meerkatctl stop` (graceful). */
  stop(): Promise<void>;
  /** SIGKILL, as a power loss; resolves once the process is gone. */
  kill(): Promise<void>;
  /** Text of the node's log file. */
  logText(): Promise<string>;
  /** Log records (JSON lines) whose `what` is `what`. */
  logged(what: string): Promise<Record<string, unknown>[]>;
  pid(): Promise<number | undefined>;
  /** Replaces meerkat.toml (then restart the node to apply it). */
  configure(o: Partial<ClusterProcessOptions>): Promise<void>;
  cleanup(): Promise<void>;
}

export interface ClusterProcessOptions {
  name: string;
  cookie: string;
  natsUrl: string;
  /** PostgreSQL URL; undefined: SQLite in the data dir (not clusterable). */
  pgUrl: string | undefined;
  portMin: number;
  portMax: number;
  extraToml?: string;
  /** Serve Prometheus metrics on 127.0.0.1 at this port; undefined: metrics disabled. */
  metricsPort?: number;
}

/** Polls `pred` until it holds; throws `what` (and the last value seen) at the deadline. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T> | T,
  pred: (v: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (pred(last)) return last;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/**
 * A run of `n` free ports below Linux's ephemeral range (32768+), so outgoing connections of
 * the test (PostgreSQL, NATS) cannot take one between this check and the nodes' listen.
 */
export async function freePortRange(n: number): Promise<{ min: number; max: number }> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const min = 20_000 + Math.floor(Math.random() * (32_000 - 20_000 - n));
    let ok = true;
    for (let p = min; p < min + n && ok; p++) ok = await bindable(p);
    if (ok) return { min, max: min + n - 1 };
  }
  throw new Error('no free port range');
}

function toml(o: ClusterProcessOptions, c2sPort: number): string {
  const storage =
    o.pgUrl === undefined
      ? '[storage]\nbackend = "sqlite"'
      : `[storage]\nbackend = "postgres"\npostgres.url = ${JSON.stringify(o.pgUrl)}`;
  return `[general]
hosts = ["localhost"]
data_dir = "data"
loglevel = "info"

[node]
name = "${o.name}"
cookie = "${o.cookie}"
dist_port_min = ${o.portMin}
dist_port_max = ${o.portMax}

[[listen.c2s]]
ip = "127.0.0.1"
port = ${c2sPort}
tls.mode = "starttls"
allow_plain_without_tls = true

[metrics]
${o.metricsPort === undefined ? 'enabled = false' : `enabled = true\nip = "127.0.0.1"\nport = ${o.metricsPort}`}

${storage}

[cluster]
nats.servers = [${JSON.stringify(o.natsUrl)}]
heartbeat_interval_ms = 300
node_timeout_ms = 2000
${o.extraToml ?? ''}
`;
}

export async function makeClusterProcess(o: ClusterProcessOptions): Promise<ClusterProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'meerkat-cluster-'));
  const dataDir = join(dir, 'data');
  const c2sPort = await freePort();
  let opts = o;
  await writeFile(join(dir, 'meerkat.toml'), toml(opts, c2sPort));
  const run = (args: string[], ro?: RunOptions) => runCtl(dir, args, ro);
  const pid = () => readPidFile(dataDir);
  const logText = () => readFile(join(dataDir, 'meerkat.log'), 'utf8').catch(() => '');
  const self: ClusterProcess = {
    name: o.name,
    dir,
    dataDir,
    c2sPort,
    service: `xmpp://127.0.0.1:${c2sPort}`,
    run,
    pid,
    logText,
    async logged(what) {
      return (await logText())
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((r) => r.what === what);
    },
    async start() {
      const s = await run(['start']);
      if (s.code !== 0) throw new Error(`start ${o.name}: ${s.code} ${s.stdout}${s.stderr}`);
      const r = await run(['started', '--timeout', '60']);
      if (r.code !== 0) {
        throw new Error(
          `started ${o.name}: ${r.code} ${r.stderr}\n${(await logText()).slice(-3000)}`,
        );
      }
    },
    async stop() {
      const r = await run(['stop', '--timeout', '30']);
      if (r.code !== 0) throw new Error(`stop ${o.name}: ${r.code} ${r.stderr}`);
    },
    async kill() {
      const p = await pid();
      if (p === undefined) throw new Error(`${o.name} has no pid file`);
      process.kill(p, 'SIGKILL');
      await waitFor(
        `${o.name} to die`,
        () => processAlive(p),
        (alive) => !alive,
      );
    },
    async configure(change) {
      opts = { ...opts, ...change };
      await writeFile(join(dir, 'meerkat.toml'), toml(opts, c2sPort));
    },
    async cleanup() {
      const p = await pid();
      await run(['stop', '--timeout', '10']);
      if (p !== undefined && processAlive(p)) process.kill(p, 'SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
  return self;
}

/** Lines of `meerkatctl mnesia info` that the seed greps for. */
export function dbNodes(stdout: string): { running: string; stopped: string } {
  const line = (p: string) => stdout.split('\n').find((l) => l.startsWith(p)) ?? '';
  return { running: line('running db nodes'), stopped: line('stopped db nodes') };
}

/** The seed's own pipeline, through a shell: `meerkatctl mnesia info | grep "running db nodes"`. */
export function grepDbNodes(cwd: string, word: 'running' | 'stopped'): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'sh',
      ['-c', `"$0" "$1" mnesia info | grep "${word} db nodes"`, process.execPath, MEERKATCTL],
      { cwd },
      (err, stdout) => (err ? reject(err) : resolve(stdout)),
    );
  });
}

export async function dbNodesOf(n: ClusterProcess): Promise<{ running: string; stopped: string }> {
  const r = await n.run(['mnesia', 'info']);
  if (r.code !== 0) throw new Error(`mnesia info on ${n.name}: ${r.code} ${r.stderr}`);
  return dbNodes(r.stdout);
}

/** Waits until `n` sees exactly these running and stopped db nodes (mnesia info). */
export function expectDbNodes(
  n: ClusterProcess,
  running: string[],
  stopped: string[] = [],
  timeoutMs = 20_000,
): Promise<{ running: string; stopped: string }> {
  return waitFor(
    `${n.name}: running [${running}] stopped [${stopped}]`,
    () => dbNodesOf(n),
    (v) =>
      v.running === `running db nodes   = [${running.join(', ')}]` &&
      v.stopped === `stopped db nodes   = [${stopped.join(', ')}]`,
    timeoutMs,
  );
}

/**
 * Waits until every node lists these sessions in `connected_users` (cluster-wide: its own and
 * its registry mirror), so a stanza routed next finds them wherever it is sent from.
 */
export async function expectSessions(nodes: ClusterProcess[], jids: string[]): Promise<void> {
  await Promise.all(
    nodes.map((n) =>
      waitFor(
        `${n.name} to see ${jids}`,
        async () => (await n.run(['connected_users'])).stdout.split('\n'),
        (lines) => jids.every((j) => lines.includes(j)),
      ),
    ),
  );
}

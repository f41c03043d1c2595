import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processAlive, readPidFile } from '../../../src/cli/pid-file.ts';
import { freePort } from './ports.ts';

/**
 * A temp directory with a meerkat.toml on free ports, and a runner for the real
 * bin/meerkatctl.js in that directory. Each test file gets its own node name, data dir and
 * ports, so test files run in parallel.
 */
export const MEERKATCTL = fileURLToPath(new URL('../../../bin/meerkatctl.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  stdin?: string;
  env?: NodeJS.ProcessEnv;
  /** Wrap in `sh -c 'ulimit -n N && exec ...'` to lower the open-files limit of the node. */
  ulimit?: number;
}

export interface NodeDir {
  dir: string;
  dataDir: string;
  nodeName: string;
  c2sPort: number;
  portMin: number;
  portMax: number;
  run(args: string[], opts?: RunOptions): Promise<CliResult>;
  /** JSON lines the node has written to its log so far. */
  log(): Promise<Record<string, unknown>[]>;
  pid(): Promise<number | undefined>;
  /** Stops the node whatever state it is in, then deletes the directory. */
  cleanup(): Promise<void>;
}

let counter = 0;

function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.MEERKAT_NODE;
  delete env.MEERKAT_COOKIE;
  delete env.MEERKAT_DATA_DIR;
  return env;
}

export function runCtl(cwd: string, args: string[], opts: RunOptions = {}): Promise<CliResult> {
  const command = opts.ulimit
    ? [
        'sh',
        ['-c', `ulimit -n ${opts.ulimit} && exec "$0" "$@"`, process.execPath, MEERKATCTL, ...args],
      ]
    : [process.execPath, [MEERKATCTL, ...args]];
  const child = spawn(command[0] as string, command[1] as string[], {
    cwd,
    env: { ...cleanEnv(), ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  child.stdin.end(opts.stdin ?? '');
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

export async function makeNodeDir(
  opts: { toml?: string; nodeSection?: string } = {},
): Promise<NodeDir> {
  const dir = await mkdtemp(join(tmpdir(), 'meerkatctl-'));
  const dataDir = join(dir, 'data');
  const nodeName = `t${process.pid}n${++counter}@localhost`;
  const c2sPort = await freePort();
  const portMin = await freePort();
  // One port: every extra port of the range could collide with another test file's free port.
  const portMax = portMin;
  await writeFile(
    join(dir, 'meerkat.toml'),
    `[general]
data_dir = "data"
loglevel = "info"

[node]
name = "${nodeName}"
dist_port_min = ${portMin}
dist_port_max = ${portMax}
${opts.nodeSection ?? ''}

[[listen.c2s]]
ip = "127.0.0.1"
port = ${c2sPort}
tls.mode = "starttls"
allow_plain_without_tls = true

[metrics]
enabled = false
${opts.toml ?? ''}
`,
  );
  const pid = () => readPidFile(dataDir);
  return {
    dir,
    dataDir,
    nodeName,
    c2sPort,
    portMin,
    portMax,
    pid,
    run: (args, o) => runCtl(dir, args, o),
    async log() {
      const text = await readFile(join(dataDir, 'meerkat.log'), 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    async cleanup() {
      const p = await pid();
      await runCtl(dir, ['stop', '--timeout', '10']);
      if (p !== undefined && processAlive(p)) process.kill(p, 'SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A server under load: Meerkat (child process) or a peer (ejabberd, Prosody) started elsewhere. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchEntries } from './build.ts';
import { BenchServer } from './children.ts';
import { benchModules, freePort, writeBenchConfig } from './config.ts';

export interface Target {
  name: string;
  host: string;
  port: number;
  pid: number;
  domain: string;
  prefix: string;
  password: string;
  /** Collect garbage before a memory reading, where the server lets us (Meerkat only). */
  gc?(): Promise<void>;
  /** Sessions the server itself counts, where it tells us. */
  sessions?(): Promise<number>;
  stop(): Promise<void>;
}

export interface MeerkatTargetOptions {
  users: number;
  maxConnections: number;
  scramIterations: number;
  loglevel: string;
  /** Node flags of the server process, e.g. ['--cpu-prof', '--cpu-prof-dir=/tmp/x']. */
  nodeFlags: string[];
  entries: BenchEntries;
}

export async function startMeerkat(o: MeerkatTargetOptions): Promise<Target> {
  const dir = await mkdtemp(join(tmpdir(), 'meerkat-bench-'));
  const config = await writeBenchConfig({
    dir,
    port: await freePort(),
    maxConnections: o.maxConnections,
    scramIterations: o.scramIterations,
    loglevel: o.loglevel,
    modules: benchModules(),
  });
  const server = await BenchServer.start(o.entries, config, o.users, o.nodeFlags);
  return {
    name: 'meerkat',
    host: '127.0.0.1',
    port: server.port,
    pid: server.pid,
    domain: 'localhost',
    prefix: 'user',
    password: 'pass',
    gc: async () => {
      await server.mem(true);
    },
    sessions: async () => (await server.mem(false)).sessions,
    async stop() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

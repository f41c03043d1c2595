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
  /** Sessions the node sees cluster-wide (its own + the registry mirror of the others'). */
  clusterSessions?(): Promise<number>;
  /** process.memoryUsage() of the server, no GC (Meerkat only). */
  memory?(): Promise<{ rss: number; heapUsed: number; external: number; arrayBuffers: number }>;
  /** V8 heap in use after a forced GC, bytes (Meerkat only). */
  heapUsedAfterGc?(): Promise<number>;
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
  /** Cluster bench: [node] name and TOML appended to the config (storage, cluster). */
  nodeName?: string;
  extraToml?: string;
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
    nodeName: o.nodeName,
    extraToml: o.extraToml,
  });
  const server = await BenchServer.start(o.entries, config, o.users, o.nodeFlags);
  return {
    name: o.nodeName ?? 'meerkat',
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
    clusterSessions: async () => (await server.mem(false)).clusterSessions,
    memory: () => server.mem(false),
    heapUsedAfterGc: async () => (await server.mem(true)).heapUsed,
    async stop() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

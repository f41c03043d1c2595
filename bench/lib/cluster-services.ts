/**
 * The shared services of the cluster bench: a private nats-server with JetStream (the Debian
 * package's binary) and a fresh PostgreSQL database, both thrown away after the run.
 * BENCH_PG_URL names the PostgreSQL server (default: the test server of
 * scripts/test-services.sh); a database `mkbench_<random>` is created on it and dropped at the end.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { freePort } from './config.ts';

export interface BenchNats {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export async function startBenchNats(): Promise<BenchNats> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'meerkat-bench-nats-'));
  const args = ['-js', '-a', '127.0.0.1', '-p', `${port}`, '-sd', dir];
  const proc: ChildProcess = spawn('nats-server', args, { stdio: 'ignore' });
  const exited = once(proc, 'exit');
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 150 && !(await listening(port)); i++) {
    if (proc.exitCode !== null) throw new Error(`nats-server exited (${proc.exitCode})`);
    await sleep(100);
  }
  if (!(await listening(port))) {
    await stop();
    throw new Error(`nats-server did not listen on ${port}`);
  }
  return { url: `nats://127.0.0.1:${port}`, pid: proc.pid ?? 0, stop };
}

export interface BenchDatabase {
  url: string;
  drop(): Promise<void>;
}

const ADMIN_URL =
  process.env.BENCH_PG_URL ??
  process.env.MEERKAT_TEST_PG_URL ??
  'postgres://meerkat:meerkat@127.0.0.1:55432/meerkat';

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

export async function createBenchDatabase(): Promise<BenchDatabase> {
  const name = `mkbench_${randomBytes(5).toString('hex')}`;
  await admin(`create database ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin(`drop database if exists ${name} with (force)`),
  };
}

/** The [storage] and [cluster] tables of a node of the bench cluster (or postgres alone). */
export function clusterToml(o: { pgUrl: string; natsUrl?: string; name?: string }): string {
  const storage = `[storage]\nbackend = "postgres"\npostgres.url = ${JSON.stringify(o.pgUrl)}\n`;
  if (!o.natsUrl) return storage;
  // discovery = "auto": the nodes join the named cluster at start, no meerkatctl needed.
  return `${storage}
[cluster]
nats.servers = [${JSON.stringify(o.natsUrl)}]
discovery = "auto"
name = ${JSON.stringify(o.name ?? 'bench')}
`;
}

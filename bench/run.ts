/**
 * `npm run bench`: Meerkat's benchmarks (issue 2). One JSON object per line on stdout, then a
 * short human summary (lines starting with '#'). Settings come from the environment:
 *
 *   BENCH_SCENARIOS   idle,logins,messaging,parser (default: all four)
 *   BENCH_SESSIONS    idle sessions (5000); 19000 checks the 20,000-descriptor target
 *   BENCH_MECH        SASL mechanism of the idle logins: PLAIN (default) or SCRAM-SHA-1
 *   BENCH_CONCURRENCY logins in flight (200)
 *   BENCH_HOLD        seconds the idle sessions stay before the memory reading (5)
 *   BENCH_USERS       messaging users (1000)
 *   BENCH_RATE        messages per second, total (10000)
 *   BENCH_DURATION    seconds of messaging (20)
 *   BENCH_LOADGENS    generator processes for messaging (1)
 *   BENCH_ITERATIONS  PBKDF2 iterations of the stored SCRAM secrets (4096)
 *   BENCH_LOGLEVEL    server log level, logged to a file in its temp data dir (info)
 *   BENCH_QUIET_WAIT  max seconds to wait for the shared box to be < 50 % busy before each
 *                     measurement (20); the busy % seen is recorded as pre_run_busy_pct
 *   BENCH_PRIORITY    nice value for the server and generator threads, e.g. -10 (root) to keep
 *                     them ahead of unrelated work on a shared box (default: unchanged)
 *   BENCH_MODULES     peers (default: roster, disco, ping, offline, presence, like the peers'
 *                     setups), default (Meerkat's default set, with MAM), or a list
 *   BENCH_PROFILE     a directory: run the server with --cpu-prof and write profiles there
 *   BENCH_TSX=1       run server and generator from the TypeScript sources under tsx instead
 *                     of compiling them first (see lib/build.ts: tsx inflates memory per session)
 *
 * The cluster bench (issue 5; opt-in: it needs PostgreSQL and nats-server, ~2 min) runs with
 * BENCH_CLUSTER=1 or BENCH_SCENARIOS=cluster: a 2-node cluster, then one node, on one fresh
 * database (see scenarios/cluster.ts).
 *   BENCH_CLUSTER_RATE      messages per second between users of different nodes (5000)
 *   BENCH_CLUSTER_DURATION  seconds of messaging (15)
 *   BENCH_CLUSTER_USERS     messaging users, half per node (1000)
 *   BENCH_CLUSTER_SESSIONS  idle sessions, split over the nodes (5000)
 *   BENCH_CLUSTER_NODES     node counts to run, in order (2,1)
 *   BENCH_PG_URL            PostgreSQL server to create the bench database on (default: the
 *                           test server, postgres://meerkat:meerkat@127.0.0.1:55432/meerkat)
 */

import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchEntries } from './lib/build.ts';
import { benchModules } from './lib/config.ts';
import { cpuMs } from './lib/proc.ts';
import { startMeerkat, type Target } from './lib/target.ts';
import type { Mechanism } from './loadgen/protocol.ts';
import { runParserBench } from './parser-bench.ts';
import { runClusterBench } from './scenarios/cluster.ts';
import { runIdle } from './scenarios/idle.ts';
import { runLogins } from './scenarios/login-split.ts';
import { runMessaging } from './scenarios/messaging.ts';
import { summarize } from './summary.ts';

const env = process.env;
const num = (k: string, d: number) => (env[k] ? Number(env[k]) : d);
const scenarios = new Set((env.BENCH_SCENARIOS ?? 'idle,logins,messaging,parser').split(','));
const sessions = num('BENCH_SESSIONS', 5000);
const mechanism = (env.BENCH_MECH ?? 'PLAIN') as Mechanism;
const concurrency = num('BENCH_CONCURRENCY', 200);
const users = num('BENCH_USERS', 1000);
const iterations = num('BENCH_ITERATIONS', 4096);
const loglevel = env.BENCH_LOGLEVEL ?? 'info';
const nodeFlags = env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${env.BENCH_PROFILE}`] : [];
// Each process may open 20,000 files: one generator process per 15,000 clients at most.
const PER_PROCESS = 15_000;
const entries = await benchEntries(env.BENCH_TSX === '1');

const results: Record<string, unknown>[] = [];
const emit = (r: Record<string, unknown>) => {
  results.push(r);
  console.log(JSON.stringify(r));
};

async function withMeerkat(n: number, fn: (t: Target) => Promise<void>): Promise<void> {
  const t = await startMeerkat({
    users: n,
    maxConnections: n + 500,
    scramIterations: iterations,
    loglevel,
    nodeFlags,
    entries,
  });
  try {
    await fn(t);
  } finally {
    await t.stop();
  }
}

emit({
  bench: 'setup',
  node: process.version,
  scram_iterations: iterations,
  loglevel,
  compiled: env.BENCH_TSX !== '1',
  commit: gitDescribe(),
  priority: env.BENCH_PRIORITY ?? null,
  modules: benchModules(),
  started: new Date().toISOString(),
});

if (scenarios.has('idle') || scenarios.has('logins')) {
  await withMeerkat(sessions, async (t) => {
    if (scenarios.has('idle')) {
      const holdS = num('BENCH_HOLD', 5);
      emit(
        await runIdle(t, {
          users: sessions,
          mechanism,
          concurrency,
          perProcess: PER_PROCESS,
          holdS,
          entries,
        }),
      );
    }
    if (scenarios.has('logins')) {
      // Let the server finish closing the idle sessions first (up to 60 s).
      for (let i = 0; i < 600 && t.sessions && (await t.sessions()) > 0; i++) await sleep(100);
      // SCRAM with the client's cached SaltedPassword: the login cost without the PBKDF2 that
      // PLAIN makes the server pay.
      const o = { users: sessions, concurrency, perProcess: PER_PROCESS, entries };
      emit(await runLogins(t, { ...o, mechanism: 'SCRAM-SHA-1' }, cpuMs));
    }
  });
}

if (scenarios.has('messaging')) {
  await withMeerkat(users, async (t) => {
    emit(
      await runMessaging(t, {
        users,
        rate: num('BENCH_RATE', 10_000),
        durationS: num('BENCH_DURATION', 20),
        bodyBytes: 64,
        drainS: 5,
        loadgens: num('BENCH_LOADGENS', 1),
        mechanism: 'PLAIN',
        entries,
      }),
    );
  });
}

if (scenarios.has('cluster') || env.BENCH_CLUSTER === '1') {
  await runClusterBench(
    {
      users: num('BENCH_CLUSTER_USERS', 1000),
      sessions: num('BENCH_CLUSTER_SESSIONS', 5000),
      rate: num('BENCH_CLUSTER_RATE', 5000),
      durationS: num('BENCH_CLUSTER_DURATION', 15),
      holdS: num('BENCH_HOLD', 5),
      mechanism,
      concurrency,
      scramIterations: iterations,
      loglevel,
      nodeFlags,
      entries,
      nodeCounts: (env.BENCH_CLUSTER_NODES ?? '2,1').split(',').map(Number),
    },
    emit,
  );
}

if (scenarios.has('parser')) {
  for (const r of await runParserBench()) emit(r as Record<string, unknown>);
}

for (const line of summarize(results)) console.log(`# ${line}`);

/** The commit measured, '+dirty' when the working tree has uncommitted changes. */
function gitDescribe(): string {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty=+dirty'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    return 'unknown';
  }
}

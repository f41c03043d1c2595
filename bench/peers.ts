/**
 * `npm run bench:peers`: the same idle-session and messaging loads, with the same load generator,
 * against Meerkat, ejabberd and Prosody in one run (a fresh server for every scenario), then the
 * ratios. Needs Debian's ejabberd and prosody packages and ../shared/bench-peers/.
 *
 *   PEERS             servers, in order (meerkat,ejabberd,prosody)
 *   BENCH_SESSIONS, BENCH_MECH, BENCH_CONCURRENCY, BENCH_HOLD, BENCH_USERS, BENCH_RATE,
 *   BENCH_DURATION, BENCH_LOADGENS, BENCH_ITERATIONS, BENCH_LOGLEVEL: as for bench/run.ts
 *   BENCH_PEERS_DIR   the peers tooling (../shared/bench-peers from the project root)
 *   BENCH_PEERS_RUN   where the peers keep their files (/tmp/bench-peers-run)
 */
import { fileURLToPath } from 'node:url';
import { benchEntries } from './lib/build.ts';
import { type PeerName, startPeer } from './lib/peers.ts';
import { startMeerkat, type Target } from './lib/target.ts';
import type { Mechanism } from './loadgen/protocol.ts';
import { runIdle } from './scenarios/idle.ts';
import { runMessaging } from './scenarios/messaging.ts';

const env = process.env;
const num = (k: string, d: number) => (env[k] ? Number(env[k]) : d);
const servers = (env.PEERS ?? 'meerkat,ejabberd,prosody').split(',');
const sessions = num('BENCH_SESSIONS', 5000);
const users = num('BENCH_USERS', 1000);
const peersDir =
  env.BENCH_PEERS_DIR ?? fileURLToPath(new URL('../../shared/bench-peers', import.meta.url));
const runDir = env.BENCH_PEERS_RUN ?? '/tmp/bench-peers-run';
const entries = await benchEntries(env.BENCH_TSX === '1');

async function start(name: string, n: number): Promise<Target> {
  if (name === 'meerkat') {
    return startMeerkat({
      users: n,
      maxConnections: n + 500,
      scramIterations: num('BENCH_ITERATIONS', 4096),
      loglevel: env.BENCH_LOGLEVEL ?? 'info',
      nodeFlags: [],
      entries,
    });
  }
  return startPeer(name as PeerName, n, peersDir, runDir);
}

async function on<T>(name: string, n: number, fn: (t: Target) => Promise<T>): Promise<T> {
  const t = await start(name, n);
  try {
    return await fn(t);
  } finally {
    await t.stop();
  }
}

const rows: Record<string, unknown>[] = [];
for (const name of servers) {
  const idle = await on(name, sessions, (t) =>
    runIdle(t, {
      users: sessions,
      mechanism: (env.BENCH_MECH ?? 'PLAIN') as Mechanism,
      concurrency: num('BENCH_CONCURRENCY', 200),
      perProcess: 15_000,
      holdS: num('BENCH_HOLD', 5),
      entries,
    }),
  );
  console.log(JSON.stringify(idle));
  const chat = await on(name, users, (t) =>
    runMessaging(t, {
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
  console.log(JSON.stringify(chat));
  rows.push({ server: name, idle, chat });
}

const COLS: [string, 'idle' | 'chat', string][] = [
  ['KiB/session', 'idle', 'kib_per_session'],
  ['logins/s', 'idle', 'logins_per_s'],
  ['server ms CPU/login', 'idle', 'server_cpu_ms_per_login'],
  ['delivered/s', 'chat', 'delivered_per_s'],
  ['lost', 'chat', 'lost'],
  ['p50 ms', 'chat', 'lat_p50_ms'],
  ['p99 ms', 'chat', 'lat_p99_ms'],
  ['server us CPU/msg', 'chat', 'server_cpu_us_per_msg'],
];
const get = (r: Record<string, unknown>, part: 'idle' | 'chat', k: string) =>
  Number((r[part] as Record<string, unknown>)[k]);
console.log(`# | server | ${COLS.map((c) => c[0]).join(' | ')} |`);
for (const r of rows) {
  console.log(`# | ${r.server} | ${COLS.map(([, p, k]) => get(r, p, k)).join(' | ')} |`);
}
const base = rows.find((r) => r.server === 'meerkat');
if (base) {
  for (const r of rows) {
    if (r === base) continue;
    const ratio = (p: 'idle' | 'chat', k: string) => (get(base, p, k) / get(r, p, k)).toFixed(2);
    console.log(
      `# meerkat / ${r.server}: memory per session ${ratio('idle', 'kib_per_session')}x, ` +
        `logins/s ${ratio('idle', 'logins_per_s')}x, CPU per login ${ratio('idle', 'server_cpu_ms_per_login')}x, ` +
        `CPU per message ${ratio('chat', 'server_cpu_us_per_msg')}x, p99 ${ratio('chat', 'lat_p99_ms')}x`,
    );
  }
}

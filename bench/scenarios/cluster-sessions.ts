/**
 * Cluster scenario B: `users` idle sessions split evenly over the nodes (one generator process
 * per node, logging in at once), held `holdS` seconds; RSS of each node from /proc before the
 * logins and with everyone idle (after a forced GC), as in scenarios/idle.ts. Each node of a
 * cluster also mirrors the other nodes' sessions (the registry), so its RSS grows with the
 * cluster's sessions, not only its own; the nats-server's RSS (the registry's JetStream store)
 * is read too.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchEntries } from '../lib/build.ts';
import { LoadGen } from '../lib/children.ts';
import { cpuMs, rssBytes, waitForQuietBox } from '../lib/proc.ts';
import { percentiles, round1 } from '../lib/stats.ts';
import type { Target } from '../lib/target.ts';
import type { Mechanism } from '../loadgen/protocol.ts';
import { groupLogins, waitClusterWide, waitNoSessions } from './cluster-login.ts';
import { quietWaitS } from './idle.ts';

export interface ClusterSessionsOptions {
  users: number;
  mechanism: Mechanism;
  /** Logins in flight, over all nodes. */
  concurrency: number;
  holdS: number;
  entries: BenchEntries;
  natsPid?: number;
}

const mib = (b: number) => round1(b / 1024 / 1024);
const kib = (b: number) => round1(b / 1024);

export async function runClusterSessions(
  targets: readonly Target[],
  o: ClusterSessionsOptions,
): Promise<Record<string, unknown>> {
  await sleep(500);
  const heapBase = await Promise.all(targets.map((t) => t.heapUsedAfterGc?.() ?? 0));
  const preRunBusyPct = await waitForQuietBox(quietWaitS(), 50);
  const base = targets.map((t) => rssBytes(t.pid));
  const natsBase = o.natsPid ? rssBytes(o.natsPid) : Number.NaN;
  const cpu0 = targets.map((t) => cpuMs(t.pid));
  const gens = targets.map(() => LoadGen.start(o.entries));
  const cmds = groupLogins(targets, {
    ...o,
    concurrency: Math.max(1, Math.ceil(o.concurrency / targets.length)),
  });
  const rs = await Promise.all(cmds.map((c, i) => gens[i].login(c)));
  const loginCpu = targets.map((t, i) => cpuMs(t.pid) - cpu0[i]);
  const online = rs.reduce((a, r) => a + r.online, 0);
  const registryMs = await waitClusterWide(targets, online, 60_000);
  await sleep(o.holdS * 1000);
  const held = await Promise.all(targets.map((t) => t.sessions?.() ?? 0));
  const seen = await Promise.all(targets.map((t) => t.clusterSessions?.() ?? 0));
  const heap = await Promise.all(targets.map((t) => t.heapUsedAfterGc?.() ?? 0));
  await sleep(300);
  const rss = targets.map((t) => rssBytes(t.pid));
  const natsRss = o.natsPid ? rssBytes(o.natsPid) : Number.NaN;
  await Promise.all(gens.map((g) => g.close()));
  await waitNoSessions(targets);
  const total = held.reduce((a, b) => a + b, 0);
  const delta = rss.map((r, i) => r - base[i]);
  const deltaAll = delta.reduce((a, b) => a + b, 0);
  const windowS = Math.max(...rs.map((r) => r.windowS));
  const lat = percentiles(rs.flatMap((r) => r.samples));
  return {
    bench: 'cluster-sessions',
    nodes: targets.length,
    pre_run_busy_pct: preRunBusyPct,
    sessions_offered: o.users,
    mechanism: o.mechanism,
    logins_ok: online,
    logins_failed: rs.reduce((a, r) => a + r.failed, 0),
    logins_per_s: windowS > 0 ? Math.round(online / windowS) : 0,
    login_p50_ms: lat.p50,
    login_p99_ms: lat.p99,
    node_cpu_ms_per_login: loginCpu.map((c, i) => (held[i] ? round1(c / held[i]) : null)),
    registry_visible_ms: registryMs,
    sessions_held: total,
    node_sessions: held,
    node_sessions_cluster_wide: seen,
    node_rss_base_mib: base.map(mib),
    node_rss_held_mib: rss.map(mib),
    node_kib_per_own_session: delta.map((d, i) => (held[i] ? kib(d / held[i]) : null)),
    node_heap_kib_per_own_session: heap.map((h, i) =>
      held[i] ? kib((h - heapBase[i]) / held[i]) : null,
    ),
    total_rss_held_mib: mib(rss.reduce((a, b) => a + b, 0)),
    total_kib_per_session: total ? kib(deltaAll / total) : null,
    nats_rss_base_mib: Number.isNaN(natsBase) ? null : mib(natsBase),
    nats_rss_held_mib: Number.isNaN(natsRss) ? null : mib(natsRss),
    nats_kib_per_session:
      total && !Number.isNaN(natsRss) ? kib((natsRss - natsBase) / total) : null,
  };
}

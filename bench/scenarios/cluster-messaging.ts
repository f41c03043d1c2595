/**
 * Cluster scenario A: `users` users, half on each node, each message from a round-robin sender
 * to a random user logged in to the OTHER node (login group), at a fixed total rate. With
 * `targets = [n1, n2]` every message crosses the backbone (NATS); with `targets = [n, n]` the same
 * load runs on one node, for comparison. One generator process holds every client, so send and
 * receive times share one clock (see scenarios/messaging.ts for the measurement).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchEntries } from '../lib/build.ts';
import { LoadGen } from '../lib/children.ts';
import { cpuMs, machineBusyMs, RssSampler, waitForQuietBox } from '../lib/proc.ts';
import { round1 } from '../lib/stats.ts';
import type { Target } from '../lib/target.ts';
import type { LoginResult, Mechanism } from '../loadgen/protocol.ts';
import { groupLogins, waitClusterWide, waitNoSessions } from './cluster-login.ts';
import { quietWaitS } from './idle.ts';

export interface ClusterMessagingOptions {
  users: number;
  rate: number;
  durationS: number;
  bodyBytes: number;
  drainS: number;
  mechanism: Mechanism;
  entries: BenchEntries;
  /** Pid of the nats-server, whose CPU is part of the cluster's cost. */
  natsPid?: number;
}

export async function runClusterMessaging(
  targets: readonly Target[],
  o: ClusterMessagingOptions,
): Promise<Record<string, unknown>> {
  const nodes = [...new Set(targets)];
  const gen = LoadGen.start(o.entries);
  const logins: LoginResult[] = [];
  // One login command at a time: the generator answers its commands in order.
  for (const c of groupLogins(targets, { ...o, concurrency: 100 })) logins.push(await gen.login(c));
  const online = logins.reduce((a, r) => a + r.online, 0);
  const registryMs = await waitClusterWide(nodes, online, 30_000);
  // Let initial presences settle before the clock starts.
  await sleep(1000);
  const preRunBusyPct = await waitForQuietBox(quietWaitS(), 50);
  const samplers = nodes.map((t) => new RssSampler(t.pid));
  // Where a node's peak memory sits: V8 heap, or buffers outside it (sockets, NATS client).
  const heapPeak = nodes.map(() => 0);
  const externalPeak = nodes.map(() => 0);
  const memTimer = setInterval(() => {
    nodes.forEach((t, i) => {
      t.memory?.().then(
        (m) => {
          heapPeak[i] = Math.max(heapPeak[i], m.heapUsed);
          externalPeak[i] = Math.max(externalPeak[i], m.external);
        },
        () => {},
      );
    });
  }, 500);
  const pids = [...nodes.map((t) => t.pid), ...(o.natsPid ? [o.natsPid] : [])];
  const cpu0 = pids.map(cpuMs);
  const busy0 = machineBusyMs();
  const w0 = Date.now();
  const r = await gen.chat({
    rate: o.rate,
    durationS: o.durationS,
    bodyBytes: o.bodyBytes,
    drainS: o.drainS,
    crossGroups: true,
  });
  const wallS = (Date.now() - w0) / 1000;
  const cpu = pids.map((p, i) => cpuMs(p) - cpu0[i]);
  const busy = machineBusyMs() - busy0;
  for (const s of samplers) s.stop();
  clearInterval(memTimer);
  await gen.close();
  await waitNoSessions(nodes);
  // Live heap once everyone left: tells garbage pressure (peak) from a leak (this).
  const heapAfter = await Promise.all(nodes.map((t) => t.heapUsedAfterGc?.() ?? 0));
  const nodeCpu = cpu.slice(0, nodes.length);
  const nodesCpu = nodeCpu.reduce((a, b) => a + b, 0);
  const pct = (ms: number) => round1(ms / 10 / wallS);
  const perMsg = (ms: number) => (r.delivered ? Math.round((ms * 1000) / r.delivered) : null);
  const deliverS = Math.max(r.sendWindowS, (r.lastEpochMs - r.startEpochMs) / 1000);
  return {
    bench: 'cluster-messaging',
    nodes: nodes.length,
    pre_run_busy_pct: preRunBusyPct,
    users: o.users,
    users_online: online,
    users_per_node: logins.map((l) => l.online),
    registry_visible_ms: registryMs,
    rate_offered: o.rate,
    duration_s: o.durationS,
    body_bytes: o.bodyBytes,
    sent: r.sent,
    delivered: r.delivered,
    lost: r.sent - r.delivered,
    duplicates: r.duplicates,
    delivered_per_s: Math.round(r.delivered / deliverS),
    lat_p50_ms: r.latencyMs.p50,
    lat_p90_ms: r.latencyMs.p90,
    lat_p99_ms: r.latencyMs.p99,
    lat_max_ms: r.latencyMs.max,
    node_cpu_pct: nodeCpu.map(pct),
    nodes_cpu_us_per_msg: perMsg(nodesCpu),
    nats_cpu_pct: o.natsPid ? pct(cpu[cpu.length - 1]) : null,
    nats_cpu_us_per_msg: o.natsPid ? perMsg(cpu[cpu.length - 1]) : null,
    loadgen_cpu_pct: r.loadgenCpuPct,
    machine_cpu_pct: pct(busy),
    node_rss_peak_mib: samplers.map((s) => round1(s.max / 1024 / 1024)),
    node_heap_used_peak_mib: heapPeak.map((b) => round1(b / 1024 / 1024)),
    node_heap_after_gc_mib: heapAfter.map((b) => round1(b / 1024 / 1024)),
    node_external_peak_mib: externalPeak.map((b) => round1(b / 1024 / 1024)),
  };
}

/**
 * Scenario (b): `users` online users exchange one-to-one chat messages at a fixed total rate.
 * Each message goes from a round-robin sender to a random other user's bare JID and carries its
 * send time in the body; the generator that receives it is the one that sent it (same clock),
 * so delivered, lost (not received within `drainS` after sending stops) and latency are exact.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchEntries } from '../lib/build.ts';
import { cpuMs, machineBusyMs, RssSampler, waitForQuietBox } from '../lib/proc.ts';
import { percentiles } from '../lib/stats.ts';
import type { Target } from '../lib/target.ts';
import type { Mechanism } from '../loadgen/protocol.ts';
import { quietWaitS } from './idle.ts';
import { closeAll, loginAll } from './login-split.ts';

export interface MessagingOptions {
  users: number;
  rate: number;
  durationS: number;
  bodyBytes: number;
  drainS: number;
  /** Generator processes; users and rate are split evenly, messages stay within one process. */
  loadgens: number;
  mechanism: Mechanism;
  entries: BenchEntries;
}

export async function runMessaging(
  t: Target,
  o: MessagingOptions,
): Promise<Record<string, unknown>> {
  const l = await loginAll(t, {
    users: o.users,
    mechanism: o.mechanism,
    concurrency: 100,
    perProcess: Math.ceil(o.users / o.loadgens),
    entries: o.entries,
  });
  // Let initial presences settle before the clock starts.
  await sleep(1000);
  const preRunBusyPct = await waitForQuietBox(quietWaitS(), 50);
  const sampler = new RssSampler(t.pid);
  const cpu0 = cpuMs(t.pid);
  const busy0 = machineBusyMs();
  const w0 = Date.now();
  const rs = await Promise.all(
    l.gens.map((g) =>
      g.chat({
        rate: o.rate / l.gens.length,
        durationS: o.durationS,
        bodyBytes: o.bodyBytes,
        drainS: o.drainS,
      }),
    ),
  );
  const wallS = (Date.now() - w0) / 1000;
  const serverCpu = cpuMs(t.pid) - cpu0;
  const busy = machineBusyMs() - busy0;
  sampler.stop();
  await closeAll(l.gens);
  const sent = rs.reduce((a, r) => a + r.sent, 0);
  const delivered = rs.reduce((a, r) => a + r.delivered, 0);
  const start = Math.min(...rs.map((r) => r.startEpochMs));
  const last = Math.max(...rs.map((r) => r.lastEpochMs));
  const sendS = Math.max(...rs.map((r) => r.sendWindowS));
  const deliverS = Math.max(sendS, (last - start) / 1000);
  const lat = percentiles(rs.flatMap((r) => r.samples));
  return {
    bench: 'messaging',
    server: t.name,
    pre_run_busy_pct: preRunBusyPct,
    users: o.users,
    users_online: l.online,
    loadgen_processes: l.gens.length,
    rate_offered: o.rate,
    duration_s: o.durationS,
    body_bytes: o.bodyBytes,
    sent,
    delivered,
    lost: sent - delivered,
    duplicates: rs.reduce((a, r) => a + r.duplicates, 0),
    delivered_per_s: Math.round(delivered / deliverS),
    lat_p50_ms: lat.p50,
    lat_p90_ms: lat.p90,
    lat_p99_ms: lat.p99,
    lat_max_ms: lat.max,
    server_cpu_pct: Math.round((serverCpu / 10 / wallS) * 10) / 10,
    server_cpu_us_per_msg: delivered ? Math.round((serverCpu * 1000) / delivered) : null,
    loadgen_cpu_pct: Math.round(rs.reduce((a, r) => a + r.loadgenCpuPct, 0) * 10) / 10,
    machine_cpu_pct: Math.round((busy / 10 / wallS) * 10) / 10,
    rss_peak_mib: Math.round((sampler.max / 1024 / 1024) * 10) / 10,
  };
}

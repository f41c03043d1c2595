/**
 * Scenario (a): N clients log in and stay idle. Measures logins/s (as fast as the server answers
 * `concurrency` logins in flight), login time, sessions held, and server RSS per session
 * ((RSS with everyone idle − RSS before) / sessions held), read from /proc like any server.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuMs, RssSampler, rssBytes, waitForQuietBox } from '../lib/proc.ts';
import type { Target } from '../lib/target.ts';
import { closeAll, type LoginOptions, loginAll } from './login-split.ts';

export interface IdleOptions extends LoginOptions {
  /** Seconds the sessions stay idle before the memory reading. */
  holdS: number;
}

const MIB = 1024 * 1024;
/** Max seconds to wait for the shared box to calm down before a measurement (BENCH_QUIET_WAIT). */
export const quietWaitS = () => Number(process.env.BENCH_QUIET_WAIT ?? 20);
const mib = (b: number) => Math.round((b / MIB) * 10) / 10;
const kib = (b: number) => Math.round((b / 1024) * 10) / 10;

export async function runIdle(t: Target, o: IdleOptions): Promise<Record<string, unknown>> {
  await sleep(500);
  await t.gc?.();
  const preRunBusyPct = await waitForQuietBox(quietWaitS(), 50);
  const rssBase = rssBytes(t.pid);
  const sampler = new RssSampler(t.pid);
  const cpu0 = cpuMs(t.pid);
  const l = await loginAll(t, o);
  const serverCpuMs = cpuMs(t.pid) - cpu0;
  await sleep(o.holdS * 1000);
  const rssHeld = rssBytes(t.pid);
  const serverSessions = t.sessions ? await t.sessions() : undefined;
  let rssAfterGc: number | undefined;
  if (t.gc) {
    await t.gc();
    await sleep(300);
    rssAfterGc = rssBytes(t.pid);
  }
  sampler.stop();
  const stillOnline = await closeAll(l.gens);
  const held = serverSessions ?? stillOnline;
  return {
    bench: 'idle-sessions',
    server: t.name,
    pre_run_busy_pct: preRunBusyPct,
    sessions_offered: o.users,
    mechanism: o.mechanism,
    concurrency: o.concurrency,
    loadgen_processes: l.gens.length,
    logins_ok: l.online,
    logins_failed: l.failed,
    errors: l.errors,
    login_window_s: l.windowS,
    logins_per_s: l.loginsPerS,
    login_p50_ms: l.loginMs.p50,
    login_p99_ms: l.loginMs.p99,
    server_cpu_ms_per_login: l.online ? Math.round((serverCpuMs / l.online) * 100) / 100 : null,
    loadgen_cpu_ms_per_login: l.online ? Math.round((l.loadgenCpuMs / l.online) * 100) / 100 : null,
    sessions_held: held,
    clients_still_online: stillOnline,
    hold_s: o.holdS,
    rss_base_mib: mib(rssBase),
    rss_held_mib: mib(rssHeld),
    rss_peak_mib: mib(sampler.max),
    kib_per_session: held ? kib((rssHeld - rssBase) / held) : null,
    kib_per_session_after_gc:
      held && rssAfterGc !== undefined ? kib((rssAfterGc - rssBase) / held) : null,
  };
}

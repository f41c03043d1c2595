/** Logging a population of users in from one or more load-generator processes at once. */
import type { BenchEntries } from '../lib/build.ts';
import { LoadGen } from '../lib/children.ts';
import { percentiles } from '../lib/stats.ts';
import type { Target } from '../lib/target.ts';
import type { Mechanism, Percentiles } from '../loadgen/protocol.ts';

export interface LoginOptions {
  users: number;
  mechanism: Mechanism;
  /** Logins in flight at once, over all generators. */
  concurrency: number;
  /** Most clients one generator process holds (each process may open 20,000 files). */
  perProcess: number;
  /** The compiled (or tsx) load-generator entry. */
  entries: BenchEntries;
}

export interface Logins {
  gens: LoadGen[];
  online: number;
  failed: number;
  errors: Record<string, number>;
  windowS: number;
  loginsPerS: number;
  loginMs: Percentiles;
  loadgenCpuMs: number;
}

export async function loginAll(t: Target, o: LoginOptions): Promise<Logins> {
  const n = Math.max(1, Math.ceil(o.users / o.perProcess));
  const gens = Array.from({ length: n }, () => LoadGen.start(o.entries));
  let first = 1;
  const runs = gens.map((g, i) => {
    const count = Math.floor(o.users / n) + (i < o.users % n ? 1 : 0);
    const r = g.login({
      host: t.host,
      port: t.port,
      domain: t.domain,
      prefix: t.prefix,
      first,
      count,
      password: t.password,
      mechanism: o.mechanism,
      concurrency: Math.max(1, Math.ceil(o.concurrency / n)),
      sourceIps: 4,
      timeoutMs: 60_000,
    });
    first += count;
    return r;
  });
  const rs = await Promise.all(runs);
  const errors: Record<string, number> = {};
  for (const r of rs)
    for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
  const online = rs.reduce((a, r) => a + r.online, 0);
  const windowS = Math.max(...rs.map((r) => r.windowS));
  return {
    gens,
    online,
    failed: rs.reduce((a, r) => a + r.failed, 0),
    errors,
    windowS,
    loginsPerS: windowS > 0 ? Math.round(online / windowS) : 0,
    loginMs: percentiles(rs.flatMap((r) => r.samples)),
    loadgenCpuMs: rs.reduce((a, r) => a + r.cpuMs, 0),
  };
}

/** Closes every generator; returns the clients still online at that moment. */
export async function closeAll(gens: LoadGen[]): Promise<number> {
  const counts = await Promise.all(gens.map((g) => g.close()));
  return counts.reduce((a, b) => a + b, 0);
}

/** Login rate only: log everyone in, then leave at once (no hold, no memory reading). */
export async function runLogins(
  t: Target,
  o: LoginOptions,
  cpuMsOf: (pid: number) => number,
): Promise<Record<string, unknown>> {
  const cpu0 = cpuMsOf(t.pid);
  const l = await loginAll(t, o);
  const serverCpuMs = cpuMsOf(t.pid) - cpu0;
  await closeAll(l.gens);
  return {
    bench: 'logins',
    server: t.name,
    users: o.users,
    mechanism: o.mechanism,
    concurrency: o.concurrency,
    logins_ok: l.online,
    logins_failed: l.failed,
    errors: l.errors,
    login_window_s: l.windowS,
    logins_per_s: l.loginsPerS,
    login_p50_ms: l.loginMs.p50,
    login_p99_ms: l.loginMs.p99,
    server_cpu_ms_per_login: l.online ? Math.round((serverCpuMs / l.online) * 100) / 100 : null,
    loadgen_cpu_ms_per_login: l.online ? Math.round((l.loadgenCpuMs / l.online) * 100) / 100 : null,
  };
}

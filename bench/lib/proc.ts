/**
 * Reads a process's memory and CPU from /proc (Linux), so that Meerkat, ejabberd and Prosody
 * are measured the same way from outside.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';

/** Resident set size in bytes (VmRSS), or NaN when the process is gone. */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** User + system CPU time in milliseconds (clock ticks of 10 ms; proc(5) fields 14 and 15). */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/** Whole-machine busy time in ms since boot (/proc/stat first line: all but idle and iowait). */
export function machineBusyMs(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
  return (total - f[3] - f[4]) * 10;
}

/** Samples a process's RSS every `everyMs` and keeps the maximum. */
export class RssSampler {
  max = 0;
  private timer: NodeJS.Timeout;
  constructor(
    private readonly pid: number,
    everyMs = 250,
  ) {
    this.timer = setInterval(() => this.sample(), everyMs);
    this.sample();
  }
  sample(): number {
    const r = rssBytes(this.pid);
    if (r > this.max) this.max = r;
    return r;
  }
  stop(): void {
    clearInterval(this.timer);
  }
}

/**
 * Waits (at most `maxS` seconds) until the whole box was below `busyPct` (of 100 per core) for
 * one second, and returns the last second's busy percentage: on a shared machine, other work
 * skews every number, so each result records how busy the box was just before it.
 */
export async function waitForQuietBox(maxS: number, busyPct: number): Promise<number> {
  const deadline = Date.now() + maxS * 1000;
  for (;;) {
    const b0 = machineBusyMs();
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 1000));
    const pct = Math.round(((machineBusyMs() - b0) / (Date.now() - t0)) * 1000) / 10;
    if (pct < busyPct || Date.now() >= deadline) return pct;
  }
}

/**
 * Sets the scheduling priority (nice value) of every thread of a process (Linux priorities are
 * per thread: the JS thread, libuv's pool, BEAM schedulers). A negative value (root only) keeps
 * the measured processes ahead of unrelated work on a shared box: BENCH_PRIORITY.
 */
export function setProcessPriority(pid: number, nice: number): void {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return;
  }
  for (const tid of tids) {
    try {
      setPriority(Number(tid), nice);
    } catch {
      // The thread ended meanwhile, or no permission: measure anyway.
    }
  }
}

/** BENCH_PRIORITY as a nice value, or undefined when unset. */
export function benchPriority(): number | undefined {
  const v = process.env.BENCH_PRIORITY;
  return v === undefined || v === '' ? undefined : Number(v);
}

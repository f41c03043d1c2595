/**
 * Logging users in over the nodes of a cluster: node i gets its own contiguous slice of
 * user1..userN (login group i), so that the chat can send across groups, i.e. across nodes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchEntries } from '../lib/build.ts';
import type { Target } from '../lib/target.ts';
import type { LoginCommand, Mechanism } from '../loadgen/protocol.ts';

export interface GroupLogin {
  users: number;
  mechanism: Mechanism;
  /** Logins in flight per group. */
  concurrency: number;
  entries: BenchEntries;
}

/**
 * `users` split evenly over `targets`: slice i logs in to targets[i] as login group i. One
 * generator answers one command at a time: send these to one generator in sequence, or to
 * several generators at once.
 */
export function groupLogins(
  targets: readonly Target[],
  o: GroupLogin,
): Omit<LoginCommand, 'cmd'>[] {
  const n = targets.length;
  let first = 1;
  return targets.map((t, i) => {
    const count = Math.floor(o.users / n) + (i < o.users % n ? 1 : 0);
    const cmd: Omit<LoginCommand, 'cmd'> = {
      host: t.host,
      port: t.port,
      domain: t.domain,
      prefix: t.prefix,
      first,
      count,
      password: t.password,
      mechanism: o.mechanism,
      concurrency: o.concurrency,
      sourceIps: 4,
      timeoutMs: 60_000,
      group: i,
    };
    first += count;
    return cmd;
  });
}

/**
 * Waits (up to `timeoutMs`) until every distinct node counts `total` sessions cluster-wide, i.e.
 * the session registry has reached every node's mirror; returns the ms waited, or -1 on timeout.
 */
export async function waitClusterWide(
  targets: readonly Target[],
  total: number,
  timeoutMs: number,
): Promise<number> {
  const t0 = Date.now();
  const nodes = [...new Set(targets)];
  for (;;) {
    const seen = await Promise.all(nodes.map((t) => t.clusterSessions?.() ?? total));
    if (seen.every((s) => s >= total)) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) return -1;
    await sleep(100);
  }
}

/** Waits (up to 60 s) until no node holds a session any more (after the clients closed). */
export async function waitNoSessions(targets: readonly Target[]): Promise<void> {
  const nodes = [...new Set(targets)];
  for (let i = 0; i < 600; i++) {
    const s = await Promise.all(nodes.map((t) => t.sessions?.() ?? 0));
    if (s.every((x) => x === 0)) return;
    await sleep(100);
  }
}

import { StreamError } from '../errors/index.ts';
import type { Logger } from '../observability/logger.ts';

export interface DrainOptions {
  /** Sessions still connected after this long are left to the stop that follows. Default 60 s. */
  timeoutMs?: number;
  /** Share of the sessions (as counted when the drain starts) asked to leave per interval. */
  batchPercent?: number;
  /** Time between two batches. Default 1000 ms. */
  intervalMs?: number;
  /**
   * Time between /ready turning 503 and the listeners closing, so load balancers notice the
   * node is going before it refuses connections (a few health-check intervals). Default 0.
   */
  graceMs?: number;
  /** Where clients should reconnect (`<see-other-host/>`); unset: `<system-shutdown/>`. */
  seeOtherHost?: string;
}

export interface DrainReport {
  /** Sessions when the drain started. */
  sessions: number;
  /** Sessions asked to reconnect elsewhere. */
  asked: number;
  /** Sessions still connected when the drain ended (the timeout passed). */
  remaining: number;
  durationMs: number;
}

export interface DrainTarget {
  close(error: StreamError): Promise<void>;
}

export interface DrainDeps {
  setDraining(on: boolean): void;
  /** Stops every listener from accepting (connections already open stay). */
  stopAccepting(): void;
  /** The node's current local sessions. */
  sessions(): readonly DrainTarget[];
  log: Pick<Logger, 'info'>;
  /** Waits between batches (tests pass their own clock). */
  sleep?(ms: number): Promise<void>;
}

export const DRAIN_DEFAULTS = { timeoutMs: 60_000, batchPercent: 10, intervalMs: 1000, graceMs: 0 };

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Graceful drain (issue 6 item 5): /ready turns 503, listeners stop accepting, then clients
 * are asked to reconnect elsewhere a batch at a time, so the rest of the cluster takes them
 * over gradually instead of all at once (a thundering herd of logins). Messages for a user
 * whose session has closed go to offline storage, committed before they are acknowledged.
 */
export async function drainNode(d: DrainDeps, opts: DrainOptions = {}): Promise<DrainReport> {
  const o = { ...DRAIN_DEFAULTS, ...stripUndefined(opts) };
  const sleep = d.sleep ?? realSleep;
  const started = Date.now();
  const deadline = started + o.timeoutMs;
  d.setDraining(true);
  const total = d.sessions().length;
  d.log.info({ what: 'drain_started', sessions: total, ...o });
  if (o.graceMs > 0) await sleep(Math.min(o.graceMs, o.timeoutMs));
  d.stopAccepting();
  const perBatch = Math.max(1, Math.ceil((total * o.batchPercent) / 100));
  const asked = new Set<DrainTarget>();
  const error = () =>
    o.seeOtherHost
      ? new StreamError('see-other-host', undefined, o.seeOtherHost)
      : new StreamError('system-shutdown');
  for (;;) {
    const waiting = d.sessions().filter((s) => !asked.has(s));
    if (waiting.length === 0 && d.sessions().length === 0) break;
    const batch = waiting.slice(0, perBatch);
    for (const s of batch) asked.add(s);
    // close() resolves once the stream is closed; a slow peer must not hold up the batch.
    for (const s of batch) void s.close(error()).catch(() => undefined);
    const left = deadline - Date.now();
    if (left <= 0) break;
    await sleep(Math.min(o.intervalMs, left));
  }
  const report = {
    sessions: total,
    asked: asked.size,
    remaining: d.sessions().length,
    durationMs: Date.now() - started,
  };
  d.log.info({ what: 'drain_done', ...report });
  return report;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

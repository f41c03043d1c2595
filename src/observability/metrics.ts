import { readdir } from 'node:fs/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { C2sCounters } from '../c2s/deps.ts';
import { readFdLimit } from './fd-limits.ts';

/** What the c2s and HTTP listeners report (refusals, accept errors). */
export interface ListenerCounters {
  connectionRejected(kind: string): void;
  acceptFailed(kind: string, code: string): void;
}

/** What mod_csi reports (XEP-0352 Client State Indication). */
export interface CsiCounters {
  state(state: 'active' | 'inactive'): void;
  queued(kind: 'presence' | 'chat_state' | 'other'): void;
  dropped(reason: 'chat_state' | 'superseded'): void;
  flushed(reason: 'active' | 'urgent' | 'full' | 'closed', stanzas: number): void;
}

/** Counters modules report through their context (ModuleContext.metrics). */
export interface ModuleCounters {
  readonly csi: CsiCounters;
}

/**
 * Why a stanza on the cluster path did not reach the session it was addressed to (issue 19).
 * What happened to it next (offline storage, an error to the sender) is in the log line.
 */
export const DROP_REASONS = [
  'bad_envelope',
  'bad_jid',
  'unparsable',
  'not_ready',
  'deliver_failed',
  'max_hops',
  'route_failed',
  'not_joined',
  'publish_failed',
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/**
 * One node's Prometheus metrics (issue 6). Each node has its own Registry: tests run several
 * nodes in one process, and a global registry would mix them. Names are listed in docs/metrics.md.
 */
export interface NodeMetrics {
  readonly registry: Registry;
  readonly c2s: C2sCounters;
  readonly listeners: ListenerCounters;
  readonly modules: ModuleCounters;
  observeRouting(seconds: number): void;
  /** A stanza dropped on the cluster path (meerkat_stanzas_dropped_total). */
  stanzaDropped(reason: DropReason): void;
  observeStorage(op: 'query' | 'run' | 'exec' | 'transaction', seconds: number): void;
  /** Counts refusals a listener keeps itself (C2sListener.refused), read at scrape time. */
  addRefusedSource(kind: string, read: () => number): void;
  /** Cluster gauges read at scrape time (members running/stopped, backbone connected). */
  setClusterSource(
    read: () => { running: number; stopped: number; backboneConnected: boolean | undefined },
  ): void;
  /** The Prometheus text exposition of every metric. */
  render(): Promise<string>;
  readonly contentType: string;
  /** Stops the event-loop delay monitor. */
  stop(): void;
}

const TRANSPORTS = ['tcp', 'ws', 'bosh'];
const STANZA_KINDS = new Set(['message', 'presence', 'iq']);
const MECHANISMS = new Set([
  'PLAIN',
  'SCRAM-SHA-1',
  'SCRAM-SHA-1-PLUS',
  'SCRAM-SHA-256',
  'SCRAM-SHA-256-PLUS',
  'SCRAM-SHA-512',
  'SCRAM-SHA-512-PLUS',
  'EXTERNAL',
  'ANONYMOUS',
]);
const LATENCY_BUCKETS = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

// Labels come from client input (element names, mechanism names): map them onto a closed set so
// a client cannot grow the number of series.
const stanzaKind = (name: string) => (STANZA_KINDS.has(name) ? name : 'other');
const mechanismLabel = (m: string) => (m === '' ? 'none' : MECHANISMS.has(m) ? m : 'other');
const transportLabel = (t: string) => (TRANSPORTS.includes(t) ? t : 'other');

export function createMetrics(): NodeMetrics {
  const registry = new Registry();
  const registers = [registry];
  const sessions = new Gauge({
    name: 'meerkat_sessions',
    help: 'Bound client sessions on this node, by transport',
    labelNames: ['transport'],
    registers,
  });
  for (const t of TRANSPORTS) sessions.set({ transport: t }, 0);
  const logins = new Counter({
    name: 'meerkat_logins_total',
    help: 'Successful SASL authentications, by mechanism',
    labelNames: ['mechanism'],
    registers,
  });
  const authFailures = new Counter({
    name: 'meerkat_auth_failures_total',
    help: 'Failed SASL authentications, by mechanism',
    labelNames: ['mechanism'],
    registers,
  });
  const stanzasIn = new Counter({
    name: 'meerkat_stanzas_in_total',
    help: 'Stanzas received from bound clients, by kind (message, presence, iq, other)',
    labelNames: ['kind'],
    registers,
  });
  const stanzasOut = new Counter({
    name: 'meerkat_stanzas_out_total',
    help: 'Stanzas written to clients, by kind (message, presence, iq, other)',
    labelNames: ['kind'],
    registers,
  });
  const dropped = new Counter({
    name: 'meerkat_stanzas_dropped_total',
    help: 'Stanzas on the cluster path that did not reach the session addressed, by reason',
    labelNames: ['reason'],
    registers,
  });
  for (const reason of DROP_REASONS) dropped.inc({ reason }, 0);
  const routing = new Histogram({
    name: 'meerkat_routing_duration_seconds',
    help: 'Time to route one stanza (router.route, hooks and local delivery included)',
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const storage = new Histogram({
    name: 'meerkat_storage_duration_seconds',
    help: 'Time of one storage call, by operation (query, run, exec, transaction)',
    labelNames: ['op'],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const refusedOwn = new Map<string, number>();
  const refusedSources: { kind: string; read: () => number }[] = [];
  new Counter({
    name: 'meerkat_connections_refused_total',
    help: 'Connections closed at accept because max_connections was reached, by listener',
    labelNames: ['listener'],
    registers,
    collect() {
      this.reset();
      const totals = new Map(refusedOwn);
      for (const { kind, read } of refusedSources)
        totals.set(kind, (totals.get(kind) ?? 0) + read());
      for (const [kind, n] of totals) this.inc({ listener: kind }, n);
    },
  });
  const acceptErrors = new Counter({
    name: 'meerkat_accept_errors_total',
    help: 'accept(2) failures (EMFILE, ENFILE...), by listener and code',
    labelNames: ['listener', 'code'],
    registers,
  });
  new Gauge({
    name: 'meerkat_open_fds',
    help: 'File descriptors open in this process (/proc/self/fd)',
    registers,
    async collect() {
      try {
        this.set((await readdir('/proc/self/fd')).length);
      } catch {
        // No /proc (not Linux): the series stays absent rather than wrong.
      }
    },
  });
  new Gauge({
    name: 'meerkat_fd_limit',
    help: 'Soft open-files limit of this process (ulimit -n)',
    registers,
    collect() {
      const limit = readFdLimit();
      if (limit) this.set(Number.isFinite(limit.soft) ? limit.soft : -1);
    },
  });
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  new Gauge({
    name: 'meerkat_event_loop_lag_seconds',
    help: 'Event-loop delay since the previous scrape, by quantile (0.5, 0.99, 1 = max)',
    labelNames: ['quantile'],
    registers,
    collect() {
      // The histogram is empty until the loop has been sampled at least once.
      if (loop.count > 0) {
        this.set({ quantile: '0.5' }, loop.percentile(50) / 1e9);
        this.set({ quantile: '0.99' }, loop.percentile(99) / 1e9);
        this.set({ quantile: '1' }, loop.max / 1e9);
      }
      loop.reset();
    },
  });

  let clusterSource:
    | (() => { running: number; stopped: number; backboneConnected: boolean | undefined })
    | undefined;
  new Gauge({
    name: 'meerkat_cluster_members',
    help: "Members of this node's cluster by state (running, stopped); 0 when standalone",
    labelNames: ['state'],
    registers,
    collect() {
      const c = clusterSource?.();
      this.set({ state: 'running' }, c?.running ?? 0);
      this.set({ state: 'stopped' }, c?.stopped ?? 0);
    },
  });
  new Gauge({
    name: 'meerkat_backbone_connected',
    help: '1 when connected to the NATS backbone, 0 when disconnected, -1 when standalone',
    registers,
    collect() {
      const b = clusterSource?.().backboneConnected;
      this.set(b === undefined ? -1 : b ? 1 : 0);
    },
  });

  return {
    registry,
    modules: { csi: csiCounters(registers) },
    contentType: registry.contentType,
    setClusterSource: (read) => {
      clusterSource = read;
    },
    c2s: {
      login(ok, mechanism) {
        (ok ? logins : authFailures).inc({ mechanism: mechanismLabel(mechanism) });
      },
      stanzaIn: (kind) => stanzasIn.inc({ kind: stanzaKind(kind) }),
      stanzaOut: (kind) => stanzasOut.inc({ kind: stanzaKind(kind) }),
      sessionOpened: (t) => sessions.inc({ transport: transportLabel(t) }),
      sessionClosed: (t) => sessions.dec({ transport: transportLabel(t) }),
    },
    listeners: {
      connectionRejected: (kind) => refusedOwn.set(kind, (refusedOwn.get(kind) ?? 0) + 1),
      acceptFailed: (kind, code) => acceptErrors.inc({ listener: kind, code: codeLabel(code) }),
    },
    observeRouting: (seconds) => routing.observe(seconds),
    stanzaDropped: (reason) => dropped.inc({ reason }),
    observeStorage: (op, seconds) => storage.observe({ op }, seconds),
    addRefusedSource: (kind, read) => {
      refusedSources.push({ kind, read });
    },
    render: () => registry.metrics(),
    stop: () => loop.disable(),
  };
}

function csiCounters(registers: Registry[]): CsiCounters {
  const states = new Counter({
    name: 'meerkat_csi_state_changes_total',
    help: 'Client state indications received (XEP-0352), by state (active, inactive)',
    labelNames: ['state'],
    registers,
  });
  const queued = new Counter({
    name: 'meerkat_csi_queued_total',
    help: 'Stanzas held for inactive clients, by kind (presence, chat_state, other)',
    labelNames: ['kind'],
    registers,
  });
  const dropped = new Counter({
    name: 'meerkat_csi_dropped_total',
    help: 'Stanzas never delivered to inactive clients, by reason (chat_state, superseded)',
    labelNames: ['reason'],
    registers,
  });
  const flushes = new Counter({
    name: 'meerkat_csi_flushes_total',
    help: 'Queue flushes for inactive clients, by reason (active, urgent, full, closed)',
    labelNames: ['reason'],
    registers,
  });
  const flushed = new Counter({
    name: 'meerkat_csi_flushed_stanzas_total',
    help: 'Held stanzas delivered by a flush',
    registers,
  });
  return {
    state: (state) => states.inc({ state }),
    queued: (kind) => queued.inc({ kind }),
    dropped: (reason) => dropped.inc({ reason }),
    flushed: (reason, n) => {
      flushes.inc({ reason });
      flushed.inc(n);
    },
  };
}

function codeLabel(code: string): string {
  return /^E[A-Z]{1,15}$/.test(code) ? code : 'other';
}

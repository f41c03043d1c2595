/** Messages between the bench runner and a load-generator process (child_process IPC). */

export type Mechanism = 'PLAIN' | 'SCRAM-SHA-1';

export interface LoginCommand {
  cmd: 'login';
  host: string;
  port: number;
  domain: string;
  /** Users are `${prefix}${first}` .. `${prefix}${first + count - 1}`. */
  prefix: string;
  first: number;
  count: number;
  password: string;
  mechanism: Mechanism;
  /** Logins in flight at once (the offered load is "as fast as the server answers"). */
  concurrency: number;
  /** Source addresses 127.0.0.1 .. 127.0.0.N, to stay clear of one address's port range. */
  sourceIps: number;
  timeoutMs: number;
  /** A tag for these clients (e.g. the cluster node they log in to), for ChatCommand.crossGroups. */
  group?: number;
}

export interface ChatCommand {
  cmd: 'chat';
  /** Total messages per second offered, over all online users. */
  rate: number;
  durationS: number;
  /** Approximate bytes of the <body> text. */
  bodyBytes: number;
  /** How long to wait for stragglers after sending stops. */
  drainS: number;
  /**
   * Each message goes to a random user of ANOTHER login group (cluster bench: a user on the other
   * node) instead of any other user.
   */
  crossGroups?: boolean;
}

export type Command = LoginCommand | ChatCommand | { cmd: 'close' };

export interface Percentiles {
  n: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

export interface LoginResult {
  kind: 'login';
  online: number;
  failed: number;
  errors: Record<string, number>;
  /** From the first connect to the last completed login. */
  windowS: number;
  loginsPerS: number;
  loginMs: Percentiles;
  /** Every login's time from TCP connect to the bind result, ms (merged by the runner). */
  samples: number[];
  cpuMs: number;
}

export interface ChatResult {
  kind: 'chat';
  sent: number;
  delivered: number;
  lost: number;
  duplicates: number;
  sendWindowS: number;
  deliveredPerS: number;
  latencyMs: Percentiles;
  /** Every delivered message's send-to-receive time, ms (merged by the runner). */
  samples: number[];
  /** Send start and last delivery, as epoch ms, to merge several generators' windows. */
  startEpochMs: number;
  lastEpochMs: number;
  loadgenCpuPct: number;
}

export type Reply =
  | LoginResult
  | ChatResult
  | { kind: 'closed'; online: number }
  | { kind: 'error'; message: string };

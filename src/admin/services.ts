/**
 * What a running node exposes to operator commands. The node (src/node.ts) implements it;
 * commands in src/admin/commands/ only ever see this interface, so the same command runs
 * behind meerkatctl, the HTTP admin API, and in unit tests against a fake.
 */
export type NodeStatus = 'starting' | 'started' | 'stopping';

export interface ListenerInfo {
  kind: string;
  ip: string;
  port: number;
}

export interface FdLimit {
  soft: number;
  hard: number;
}

export interface NodeAdmin {
  name: string;
  pid: number;
  version: string;
  status(): NodeStatus;
  startedAt: number;
  dataDir: string;
  logFile: string | undefined;
  listeners(): ListenerInfo[];
  fdLimit(): FdLimit | undefined;
  stop(): Promise<void>;
  /**
   * Graceful drain, then stop (issue 6): /ready 503, listeners closed, sessions asked to
   * reconnect elsewhere in batches. Absent in fakes that do not exercise it.
   */
  drain?(opts: DrainRequest): Promise<DrainSummary>;
}

export interface DrainRequest {
  timeoutMs?: number;
  batchPercent?: number;
  intervalMs?: number;
  graceMs?: number;
  seeOtherHost?: string;
}

export interface DrainSummary {
  sessions: number;
  asked: number;
  remaining: number;
  durationMs: number;
}

export interface AccountAdmin {
  register(user: string, host: string, password: string): Promise<'created' | 'exists'>;
  unregister(user: string, host: string): Promise<boolean>;
  changePassword(user: string, host: string, password: string): Promise<boolean>;
  exists(user: string, host: string): Promise<boolean>;
  checkPassword(user: string, host: string, password: string): Promise<boolean>;
  list(host: string): Promise<string[]>;
  hosts(): string[];
}

export interface SessionInfo {
  jid: string;
  ip: string;
  transport: string;
  priority: number;
  connectedAt: number;
}

export interface SessionAdmin {
  list(): SessionInfo[];
  count(): number;
  kick(jid: string, reason: string): Promise<boolean>;
  sendMessage(from: string, to: string, body: string): Promise<void>;
}

export interface ClusterMemberInfo {
  name: string;
  state: 'running' | 'stopped';
  sessions: number;
  uptimeSeconds: number | undefined;
  pid: number | undefined;
}

/** The seed's cluster commands (join_cluster, leave_cluster, remove_from_cluster, mnesia info). */
export interface ClusterAdmin {
  /** Name of the cluster this node belongs to, undefined when standalone. */
  name(): string | undefined;
  backbone(): string;
  /** Set when this node was removed from a cluster while it was down (tombstone). */
  removedFrom(): { cluster: string; by: string; at: number } | undefined;
  members(): ClusterMemberInfo[];
  join(member: string): Promise<void>;
  leave(): Promise<void>;
  remove(node: string): Promise<void>;
  /** Internal, node to node: what a joining node checks before acting. */
  describe(): Promise<unknown>;
  /** Internal, node to node: make this (standalone) node the first member of a cluster. */
  ensure(): Promise<string>;
}

export interface AdminServices {
  node: NodeAdmin;
  accounts: AccountAdmin;
  sessions: SessionAdmin;
  /** Absent in unit-test fakes that do not exercise clustering. */
  cluster?: ClusterAdmin;
}

/**
 * The cluster bench (issue 5): a 2-node cluster on this machine (shared PostgreSQL database,
 * private nats-server with JetStream, `discovery = "auto"`), then one node on the same database
 * for comparison. On each: scenario B (idle sessions, RSS) on fresh nodes, then scenario A
 * (messages between users of different nodes). Accounts are created once, by the first node.
 */
import type { BenchEntries } from '../lib/build.ts';
import { clusterToml, createBenchDatabase, startBenchNats } from '../lib/cluster-services.ts';
import { startMeerkat, type Target } from '../lib/target.ts';
import type { Mechanism } from '../loadgen/protocol.ts';
import { runClusterMessaging } from './cluster-messaging.ts';
import { runClusterSessions } from './cluster-sessions.ts';

export interface ClusterBenchOptions {
  /** Messaging users (half per node) and idle sessions (split over the nodes). */
  users: number;
  sessions: number;
  rate: number;
  durationS: number;
  holdS: number;
  mechanism: Mechanism;
  concurrency: number;
  scramIterations: number;
  loglevel: string;
  nodeFlags: string[];
  entries: BenchEntries;
  /** Which node counts to run: [2, 1] by default. */
  nodeCounts: readonly number[];
}

export async function runClusterBench(
  o: ClusterBenchOptions,
  emit: (r: Record<string, unknown>) => void,
): Promise<void> {
  const [nats, db] = await Promise.all([startBenchNats(), createBenchDatabase()]);
  let accountsMade = false;
  const start = async (name: string, cluster: boolean, perNode: number): Promise<Target> => {
    const users = accountsMade ? 0 : Math.max(o.users, o.sessions);
    const t = await startMeerkat({
      users,
      maxConnections: perNode + 500,
      scramIterations: o.scramIterations,
      loglevel: o.loglevel,
      nodeFlags: o.nodeFlags,
      entries: o.entries,
      nodeName: name,
      extraToml: clusterToml({ pgUrl: db.url, natsUrl: cluster ? nats.url : undefined }),
    });
    accountsMade = true;
    return t;
  };
  try {
    for (const n of o.nodeCounts) {
      const perNode = Math.ceil(Math.max(o.users, o.sessions) / n);
      const nodes: Target[] = [];
      try {
        // One after the other: the first creates the schema and the accounts.
        for (let i = 1; i <= n; i++) nodes.push(await start(`bench${i}@localhost`, n > 1, perNode));
        const natsPid = n > 1 ? nats.pid : undefined;
        emit(
          await runClusterSessions(nodes, {
            users: o.sessions,
            mechanism: o.mechanism,
            concurrency: o.concurrency,
            holdS: o.holdS,
            entries: o.entries,
            natsPid,
          }),
        );
        // Half the users on each node; on one node, the same two halves (same traffic).
        const targets = n > 1 ? nodes : [nodes[0], nodes[0]];
        emit(
          await runClusterMessaging(targets, {
            users: o.users,
            rate: o.rate,
            durationS: o.durationS,
            bodyBytes: 64,
            drainS: 5,
            mechanism: 'PLAIN',
            entries: o.entries,
            natsPid,
          }),
        );
      } finally {
        await Promise.all(nodes.map((t) => t.stop()));
      }
    }
  } finally {
    await nats.stop();
    await db.drop();
  }
}

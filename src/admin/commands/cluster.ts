import type { ArgSpec } from '../command-registry.ts';
import { CommandError, defineCommand } from '../command-registry.ts';
import type { AdminServices, ClusterAdmin } from '../services.ts';

const NODE_NAME = /^[A-Za-z0-9_.-]+@[A-Za-z0-9_.-]+$/;

function nodeArg(name: string, doc: string): ArgSpec {
  return {
    name,
    doc,
    check: (v) => (NODE_NAME.test(v) ? undefined : 'a node name like meerkat@host'),
  };
}

function clusterOf(s: AdminServices): ClusterAdmin {
  if (!s.cluster) throw new CommandError('clustering is not available on this node');
  return s.cluster;
}

/** Runs a cluster action, turning its refusal into `Error: REASON` (exit 1). */
async function attempt(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof CommandError) throw err;
    throw new CommandError((err as Error).message);
  }
}

export const joinCluster = defineCommand({
  name: 'join_cluster',
  group: 'cluster',
  summary: 'Join this node to the cluster of MEMBER (a running node)',
  args: [nodeArg('MEMBER', 'a running node of the cluster to join')],
  confirm: ([member]) =>
    `Warning. This node will join the cluster of ${member}: its client connections stay open and its sessions are added to the cluster's registry (a JID connected on both sides keeps only the newer session); it must use the same PostgreSQL and NATS as ${member}.`,
  readOnly: false,
  async run(s, [member]) {
    await attempt(() => clusterOf(s).join(member!));
    const text = `You have successfully joined the node ${s.node.name} to the cluster with node member ${member}`;
    return {
      text,
      json: { result: 'joined', node: s.node.name, member, cluster: clusterOf(s).name() },
    };
  },
});

export const leaveCluster = defineCommand({
  name: 'leave_cluster',
  group: 'cluster',
  summary: 'Take this node out of its cluster; it then runs standalone',
  args: [],
  confirm: () =>
    "Warning. This node will leave the cluster: its sessions are removed from the cluster's registry and its clients are disconnected (told to reconnect to the cluster through the load balancer); it then runs standalone.",
  readOnly: false,
  async run(s) {
    await attempt(() => clusterOf(s).leave());
    return {
      text: `You have successfully left the node ${s.node.name} from the cluster`,
      json: { result: 'left', node: s.node.name },
    };
  },
});

export const removeFromCluster = defineCommand({
  name: 'remove_from_cluster',
  group: 'cluster',
  summary: 'Remove another node (usually a dead one) from the cluster',
  args: [nodeArg('NODE', 'the member to remove')],
  confirm: ([node]) =>
    `Warning. The node ${node} will be removed from the cluster: its sessions are purged from the registry and it will not rejoin by itself; if it is running it is first asked to leave (its clients are disconnected).`,
  readOnly: false,
  async run(s, [node]) {
    await attempt(() => clusterOf(s).remove(node!));
    return {
      text: `The node ${node} has been removed from the cluster`,
      json: { result: 'removed', node },
    };
  },
});

function memberLists(s: AdminServices): { running: string[]; stopped: string[] } {
  const c = s.cluster;
  if (!c || c.name() === undefined) return { running: [s.node.name], stopped: [] };
  const members = c.members();
  return {
    running: members.filter((m) => m.state === 'running').map((m) => m.name),
    stopped: members.filter((m) => m.state === 'stopped').map((m) => m.name),
  };
}

export const mnesia = defineCommand({
  name: 'mnesia',
  group: 'cluster',
  summary:
    "Cluster database status as the seed's 'mnesia info' prints it (running/stopped db nodes)",
  args: [
    { name: 'info', doc: "the word 'info'", check: (v) => (v === 'info' ? undefined : "'info'") },
  ],
  readOnly: true,
  async run(s) {
    const { running, stopped } = memberLists(s);
    const c = s.cluster;
    const lines = [
      `cluster            = ${c?.name() ?? 'none (standalone)'}`,
      `running db nodes   = [${running.join(', ')}]`,
      `stopped db nodes   = [${stopped.join(', ')}]`,
      `backbone           = ${c?.backbone() ?? 'none'}`,
    ];
    return { text: lines.join('\n'), json: { cluster: c?.name() ?? null, running, stopped } };
  },
});

export const clusterStatus = defineCommand({
  name: 'cluster_status',
  group: 'cluster',
  summary: 'Members of the cluster with state, sessions, uptime and backbone connection',
  args: [],
  readOnly: true,
  async run(s) {
    const c = s.cluster;
    const removed = c?.removedFrom();
    const name = c?.name();
    const members = name === undefined ? [] : (c?.members() ?? []);
    const lines = [
      `Cluster: ${name ?? 'none (standalone)'}`,
      `Backbone: ${c?.backbone() ?? 'none'}`,
      ...(removed
        ? [
            `Removed: this node was removed from cluster ${removed.cluster} by ${removed.by}; to rejoin: meerkatctl join_cluster MEMBER`,
          ]
        : []),
      ...members.map(
        (m) => `  ${m.name}  ${m.state}  sessions=${m.sessions}  uptime=${m.uptimeSeconds ?? '-'}s`,
      ),
    ];
    return {
      text: lines.join('\n'),
      json: {
        cluster: name ?? null,
        backbone: c?.backbone() ?? 'none',
        removed: removed ?? null,
        members,
      },
    };
  },
});

// Node-to-node commands (used by join_cluster/remove_from_cluster on the other side).
export const clusterDescribe = defineCommand({
  name: 'cluster_describe',
  group: 'internal',
  summary: 'Internal: what a joining node checks before acting',
  args: [],
  readOnly: true,
  async run(s) {
    const json = await clusterOf(s).describe();
    return { text: JSON.stringify(json), json };
  },
});

export const clusterEnsure = defineCommand({
  name: 'cluster_ensure',
  group: 'internal',
  summary: 'Internal: make this standalone node the first member of a cluster',
  args: [],
  readOnly: false,
  async run(s) {
    let name = '';
    await attempt(async () => {
      name = await clusterOf(s).ensure();
    });
    return { text: name, json: name };
  },
});

export const clusterLeaveRequest = defineCommand({
  name: 'cluster_leave_request',
  group: 'internal',
  summary: 'Internal: another member removes this live node; it leaves by itself',
  args: [],
  readOnly: false,
  async run(s) {
    await attempt(() => clusterOf(s).leave());
    return { text: 'left', json: { result: 'left' } };
  },
});

export const clusterCommands = [
  joinCluster,
  leaveCluster,
  removeFromCluster,
  mnesia,
  clusterStatus,
  clusterDescribe,
  clusterEnsure,
  clusterLeaveRequest,
];

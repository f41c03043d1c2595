import type { ClusterAdmin, ClusterMemberInfo } from '../admin/services.ts';
import { type ClusterDescription, ClusterError, type ClusterService } from './cluster-service.ts';
import { connectToNode } from './control/client.ts';

export interface ClusterAdminDeps {
  self: string;
  service: ClusterService;
  status(): string;
  /** Control-port access to other nodes (the cookie is shared by the cluster). */
  control: { cookie: string | undefined; portMin: number; portMax: number };
}

/**
 * The operator's cluster commands on top of ClusterService. Checks come first, then action:
 * a join that cannot succeed changes nothing (ARCHITECTURE.md §4).
 */
export function createClusterAdmin(d: ClusterAdminDeps): ClusterAdmin {
  const { service, self } = d;

  async function call(node: string, command: string): Promise<unknown> {
    if (d.control.cookie === undefined)
      throw new ClusterError('this node has no cookie to reach other nodes');
    let conn: Awaited<ReturnType<typeof connectToNode>>;
    try {
      conn = await connectToNode(node, d.control.cookie, {
        portMin: d.control.portMin,
        portMax: d.control.portMax,
        timeoutMs: 10_000,
      });
    } catch (err) {
      throw new ClusterError(`cannot reach the node ${node}: ${(err as Error).message}`);
    }
    try {
      const out = await conn.call(command, []);
      if (out.type === 'error' || out.exitCode !== 0) {
        throw new ClusterError(
          `the node ${node} refused: ${out.type === 'error' ? out.message : out.text}`,
        );
      }
      return out.json;
    } finally {
      conn.close();
    }
  }

  return {
    name: () => service.clusterName,
    backbone: () => service.backboneState(),
    removedFrom() {
      const r = service.removedInfo;
      return r ? { cluster: r.cluster, by: r.removedBy, at: r.removedAt } : undefined;
    },
    members(): ClusterMemberInfo[] {
      const now = Date.now();
      return service.members().map((m) => ({
        name: m.name,
        state: m.running ? 'running' : 'stopped',
        sessions: m.heartbeat?.sessions ?? 0,
        uptimeSeconds:
          m.running && m.heartbeat ? Math.floor((now - m.heartbeat.startedAt) / 1000) : undefined,
        pid: m.heartbeat?.pid,
      }));
    },
    async join(member) {
      if (member === self || service.isMember(member)) {
        throw new ClusterError(`The node ${member} has already joined the cluster`);
      }
      if (service.clusterName !== undefined) {
        throw new ClusterError(
          `the node ${self} is already in the cluster ${service.clusterName}; leave it first (meerkatctl leave_cluster)`,
        );
      }
      const described = (await call(member, 'cluster_describe')) as ClusterDescription;
      await service.checkCompatible(described);
      const cluster = described.cluster ?? ((await call(member, 'cluster_ensure')) as string);
      await service.join(cluster);
    },
    async leave() {
      if (service.clusterName === undefined)
        throw new ClusterError(`The node ${self} is not in the cluster`);
      await service.leave();
    },
    async remove(node) {
      if (node === self) throw new ClusterError(`the node ${node} is this node: use leave_cluster`);
      if (service.clusterName === undefined)
        throw new ClusterError(`The node ${self} is not in the cluster`);
      const member = service.members().find((m) => m.name === node);
      if (!member) throw new ClusterError(`The node ${node} is not a member of the cluster`);
      if (member.running) {
        // A live node is asked to leave by itself, so its clients are told to reconnect.
        await call(node, 'cluster_leave_request');
      }
      await service.remove(node);
    },
    describe: () => service.describe(d.status()),
    ensure: () => service.ensure(),
  };
}

import type { KV, NatsConnection, Subscription } from 'nats';
import { StreamError } from '../errors/index.ts';
import { type Jid, parseJid } from '../jid/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { LocalSession, SessionManager } from '../sm/index.ts';
import { Backbone, type BackboneState } from './backbone.ts';
import {
  type ClusterStateFile,
  readClusterState,
  writeClusterState,
} from './cluster-state-file.ts';
import { clusterNames, enc } from './keys.ts';
import { Membership, type MemberView } from './membership.ts';
import { type RemoteSession, SessionRegistry } from './session-registry.ts';

export interface ClusterConfig {
  discovery: 'manual' | 'auto';
  name?: string;
  nats: { servers: string[] };
  heartbeat_interval_ms: number;
  node_timeout_ms: number;
  advertised_host?: string;
}

/** What a node says about itself to a node that wants to join it (checks before action). */
export interface ClusterDescription {
  node: string;
  status: string;
  cluster: string | undefined;
  storage: { backend: string; identity: string };
  nats: { servers: string[]; identity: string | undefined; error?: string };
}

export interface ClusterDeps {
  self: string;
  dataDir: string;
  config: ClusterConfig;
  startedAt: number;
  sm: SessionManager;
  log: Logger;
  storage: { backend: string; identity(): Promise<string> };
  /** A message on this node's subject: a forward envelope (forward-envelope.ts), unchecked. */
  onForwarded(data: Uint8Array): void;
  /** Sessions of a dead node were purged: contacts must see them go (RFC 6121 §4.5.2). */
  onPurged(jids: Jid[]): Promise<void>;
  /** A live session of ours had been purged by other nodes and is registered again. */
  onRestored(session: LocalSession): Promise<void>;
}

export class ClusterError extends Error {}

/** Where a session keeps its last broadcast presence (XML) for the registry. */
export const PRESENCE_KEY = 'cluster:presence';

function info(s: LocalSession) {
  const presence = s.data.get(PRESENCE_KEY);
  return {
    jid: s.jid,
    priority: s.priority,
    available: s.available,
    connectedAt: s.connectedAt,
    presence: typeof presence === 'string' ? presence : undefined,
  };
}

interface Joined {
  name: string;
  backbone: Backbone;
  registry: SessionRegistry;
  membership: Membership;
  locks: KV;
  sub: Subscription;
  deathTimer: NodeJS.Timeout;
  handledDeaths: Set<string>;
  /** When the backbone (re)connected: other nodes get a node timeout to heartbeat again. */
  connectedSince: number;
  /** Leaving or stopping: our own withdrawals must not be repaired. */
  quiescing: boolean;
  /** While re-registering after an outage: JIDs of ours deleted meanwhile (resync restores). */
  resyncing?: Set<string>;
}

const NAME_RE = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * This node's part in a cluster: membership, heartbeats, session registry mirror and
 * routing between nodes, all on NATS JetStream (ARCHITECTURE.md §4). Standalone until joined.
 */
export class ClusterService {
  private joined: Joined | undefined;
  private fileState: ClusterStateFile = { state: 'standalone' };

  constructor(private readonly d: ClusterDeps) {}

  get clusterName(): string | undefined {
    return this.joined?.name;
  }

  get removedInfo(): Extract<ClusterStateFile, { state: 'removed' }> | undefined {
    return this.fileState.state === 'removed' ? this.fileState : undefined;
  }

  backboneState(): BackboneState | 'none' {
    return this.joined?.backbone.state ?? 'none';
  }

  /** The NATS connection and cluster name while joined (for BOSH forwarding, bosh-directory.ts). */
  backboneConnection(): { nc: NatsConnection; cluster: string } | undefined {
    const j = this.joined;
    return j ? { nc: j.backbone.nc, cluster: j.name } : undefined;
  }

  /** At start: rejoin the remembered cluster, or join by discovery = "auto". */
  async init(): Promise<void> {
    this.fileState = await readClusterState(this.d.dataDir);
    const { config, log } = this.d;
    if (this.fileState.state === 'member') {
      try {
        await this.connectAndJoin(this.fileState.cluster, { rejoin: true });
      } catch (err) {
        if (err instanceof ClusterError) throw err;
        // NATS not reachable at start: keep retrying in the background, serve locally meanwhile.
        log.error({
          what: 'cluster_rejoin_failed',
          cluster: this.fileState.cluster,
          err: String(err),
        });
        this.retryRejoin(this.fileState.cluster);
      }
      return;
    }
    if (this.fileState.state === 'removed') {
      log.warn({
        what: 'cluster_node_was_removed',
        cluster: this.fileState.cluster,
        removed_by: this.fileState.removedBy,
        hint: `this node was removed from cluster ${this.fileState.cluster}; it runs standalone. To rejoin: meerkatctl join_cluster <member>`,
      });
      return;
    }
    if (config.discovery === 'auto' && config.name)
      await this.connectAndJoin(config.name, { rejoin: false });
  }

  private retryRejoin(cluster: string): void {
    const t = setTimeout(() => {
      if (this.joined) return;
      this.connectAndJoin(cluster, { rejoin: true }).catch((err) => {
        this.d.log.warn({ what: 'cluster_rejoin_retry_failed', err: String(err) });
        this.retryRejoin(cluster);
      });
    }, 2000);
    t.unref();
  }

  async describe(status: string): Promise<ClusterDescription> {
    const storage = { backend: this.d.storage.backend, identity: await this.d.storage.identity() };
    const servers = this.d.config.nats.servers;
    if (this.joined) {
      return {
        node: this.d.self,
        status,
        cluster: this.joined.name,
        storage,
        nats: { servers, identity: this.joined.backbone.identity() },
      };
    }
    try {
      const probe = await Backbone.connect(servers, `${this.d.self}-probe`, this.d.log);
      const identity = probe.identity();
      await probe.close();
      return {
        node: this.d.self,
        status,
        cluster: undefined,
        storage,
        nats: { servers, identity },
      };
    } catch (err) {
      return {
        node: this.d.self,
        status,
        cluster: undefined,
        storage,
        nats: { servers, identity: undefined, error: String(err) },
      };
    }
  }

  /** Makes a standalone node the first member of a new cluster (it is the join target). */
  async ensure(): Promise<string> {
    if (this.joined) return this.joined.name;
    const name = this.d.config.name ?? `mk${Date.now().toString(36)}`;
    await this.connectAndJoin(name, { rejoin: false });
    return name;
  }

  /** Checks `member`'s description against ours; throws ClusterError naming what differs. */
  async checkCompatible(member: ClusterDescription): Promise<void> {
    const self = this.d.self;
    if (member.status !== 'started')
      throw new ClusterError(`The node ${member.node} is not started (status: ${member.status})`);
    const mine = await this.describe('started');
    for (const [who, s] of [
      [self, mine.storage],
      [member.node, member.storage],
    ] as const) {
      if (s.backend !== 'postgres') {
        throw new ClusterError(
          `the node ${who} uses ${s.backend} storage; a cluster needs one shared PostgreSQL: set [storage] backend = "postgres" and the same postgres.url on every node`,
        );
      }
    }
    if (mine.storage.identity !== member.storage.identity) {
      throw new ClusterError(
        `the nodes use different databases (${self}: ${mine.storage.identity}, ${member.node}: ${member.storage.identity}); set the same [storage] postgres.url on both`,
      );
    }
    if (!mine.nats.identity)
      throw new ClusterError(
        `the node ${self} cannot reach NATS at ${mine.nats.servers.join(', ')}: ${mine.nats.error ?? ''}`,
      );
    if (!member.nats.identity)
      throw new ClusterError(
        `the node ${member.node} cannot reach NATS at ${member.nats.servers.join(', ')}: ${member.nats.error ?? ''}`,
      );
    if (mine.nats.identity !== member.nats.identity) {
      throw new ClusterError(
        `the nodes use different NATS systems (${self}: ${mine.nats.servers.join(',')}, ${member.node}: ${member.nats.servers.join(',')}); set the same [cluster] nats.servers on both`,
      );
    }
  }

  async join(cluster: string): Promise<void> {
    await this.connectAndJoin(cluster, { rejoin: false });
  }

  private async connectAndJoin(cluster: string, opts: { rejoin: boolean }): Promise<void> {
    if (!NAME_RE.test(cluster)) throw new ClusterError(`invalid cluster name '${cluster}'`);
    const { self, log, config } = this.d;
    const names = clusterNames(cluster);
    const backbone = await Backbone.connect(config.nats.servers, self, log);
    try {
      const [membersKv, beatsKv, sessionsKv, locks] = await Promise.all([
        backbone.kv(names.members),
        backbone.kv(names.heartbeats),
        backbone.kv(names.sessions),
        backbone.kv(names.locks),
      ]);
      await this.checkMeta(locks);
      const membership = new Membership(
        membersKv,
        beatsKv,
        self,
        {
          intervalMs: config.heartbeat_interval_ms,
          timeoutMs: config.node_timeout_ms,
          startedAt: this.d.startedAt,
        },
        log,
        () => this.d.sm.count(),
      );
      await membership.start();
      const rec = await membership.fetch(self);
      if (opts.rejoin && rec?.state === 'removed') {
        membership.stop();
        this.fileState = {
          state: 'removed',
          cluster,
          removedBy: rec.removedBy ?? '?',
          removedAt: rec.removedAt ?? 0,
        };
        await writeClusterState(this.d.dataDir, this.fileState);
        log.warn({
          what: 'cluster_node_was_removed',
          cluster,
          removed_by: rec.removedBy,
          hint: `this node was removed from cluster ${cluster} while it was down; it runs standalone. To rejoin: meerkatctl join_cluster <member>`,
        });
        await backbone.close();
        return;
      }
      const registry = new SessionRegistry(
        sessionsKv,
        self,
        log,
        (e) => this.onRemotePut(e),
        (jid) => this.onDeleted(jid),
      );
      await registry.start();
      const sub = backbone.nc.subscribe(names.nodeSubject(self), {
        callback: (err, msg) => {
          if (err) {
            log.warn({ what: 'cluster_forward_subscription_failed', err: String(err) });
            return;
          }
          this.d.onForwarded(msg.data);
        },
      });
      await membership.register();
      membership.startHeartbeats();
      const joined: Joined = {
        name: cluster,
        backbone,
        registry,
        membership,
        locks,
        sub,
        deathTimer: setInterval(() => void this.checkDeaths(), config.heartbeat_interval_ms),
        handledDeaths: new Set(),
        connectedSince: Date.now(),
        quiescing: false,
      };
      joined.deathTimer.unref();
      this.joined = joined;
      backbone.onState((s) => void this.onBackboneState(s));
      await registry.resync(this.localInfos());
      this.fileState = { state: 'member', cluster, joinedAt: Date.now() };
      await writeClusterState(this.d.dataDir, this.fileState);
      log.info({ what: 'cluster_joined', cluster, node: self, rejoin: opts.rejoin });
    } catch (err) {
      await backbone.close();
      throw err;
    }
  }

  /** The cluster records its database; a node on another database may not join. */
  private async checkMeta(locks: KV): Promise<void> {
    const identity = await this.d.storage.identity();
    const meta = await locks.get('meta');
    if (meta && meta.operation === 'PUT') {
      const v = meta.json<{ db: string }>();
      if (v.db !== identity) {
        throw new ClusterError(
          `this cluster uses the database ${v.db}, this node uses ${identity}: set the same [storage] postgres.url`,
        );
      }
      return;
    }
    await locks
      .create('meta', JSON.stringify({ db: identity, createdAt: Date.now() }))
      .catch(() => {});
  }

  private localInfos() {
    return this.d.sm.all().map(info);
  }

  /** Another node registered a JID this node holds: the older session gets <conflict/>. */
  private onRemotePut(e: RemoteSession): void {
    const local = this.d.sm.get(e.jid);
    if (!local) return;
    if (e.connectedAt >= local.connectedAt) {
      void local.close(new StreamError('conflict', 'replaced by a new connection on another node'));
    } else {
      void this.sessionChanged(local);
    }
  }

  /**
   * One of our entries disappeared while its session lives: another node purged us (it saw our
   * heartbeats stop during a backbone outage or netsplit). Put it back, so no user is lost.
   */
  private onDeleted(jid: Jid): void {
    const j = this.joined;
    const local = this.d.sm.get(jid);
    if (!j || j.quiescing || !local) return;
    this.d.log.info({ what: 'registry_entry_restored', jid: jid.toString() });
    if (j.resyncing) j.resyncing.add(jid.toString());
    else void this.sessionChanged(local).then(() => this.restored(local));
  }

  private async restored(local: LocalSession): Promise<void> {
    await this.d.onRestored(local).catch((err) => {
      this.d.log.warn({ what: 'session_restored_hook_failed', err: String(err) });
    });
  }

  private async onBackboneState(s: BackboneState): Promise<void> {
    const j = this.joined;
    if (!j || s !== 'connected') return;
    j.connectedSince = Date.now();
    // Back after an outage or netsplit: survivors may have purged us. Re-register (no ghosts).
    const deleted = new Set<string>();
    j.resyncing = deleted;
    try {
      await j.membership.restartWatches();
      await j.registry.restart();
      j.connectedSince = Date.now();
      await j.membership.register();
      const missing = await j.registry.resync(this.localInfos());
      j.resyncing = undefined;
      this.d.log.info({ what: 'cluster_resynced', sessions: this.d.sm.count() });
      // Contacts on other nodes saw these users go unavailable (purge): they come back.
      const restored = new Set([...deleted, ...missing.map((m) => m.toString())]);
      for (const key of restored) {
        const local = this.d.sm.get(parseJid(key));
        if (!local) continue;
        // Deleted while we resynced: perhaps after our publish, so publish again.
        if (deleted.has(key)) await this.sessionChanged(local);
        await this.restored(local);
      }
    } catch (err) {
      j.resyncing = undefined;
      // JetStream may not be ready the instant the server is back: try again shortly.
      this.d.log.warn({ what: 'cluster_resync_failed', err: String(err) });
      const t = setTimeout(() => {
        if (this.joined === j && j.backbone.state === 'connected') void this.onBackboneState(s);
      }, this.d.config.heartbeat_interval_ms);
      t.unref();
    }
  }

  private async checkDeaths(): Promise<void> {
    const j = this.joined;
    if (!j || j.backbone.state !== 'connected') return;
    // Just back from an outage: every heartbeat looks old until the others beat again; judging
    // now would purge live nodes and tell their users' contacts they went offline.
    if (Date.now() - j.connectedSince < this.d.config.node_timeout_ms) return;
    for (const m of j.membership.view()) {
      if (m.name === this.d.self || m.running) continue;
      const hb = m.heartbeat;
      const stamp = `${enc(m.name)}.${hb?.seenAt ?? 0}`;
      if (j.handledDeaths.has(stamp)) continue;
      j.handledDeaths.add(stamp);
      if (j.handledDeaths.size > 10_000) j.handledDeaths.clear();
      // One survivor does the purge: whoever creates the lock key first (compare-and-set).
      try {
        await j.locks.create(`dead.${stamp}`, this.d.self);
      } catch {
        continue;
      }
      const purged = await j.registry.purgeNode(m.name);
      this.d.log.warn({ what: 'cluster_node_down', node: m.name, purged: purged.length });
      await this.d.onPurged(purged);
    }
  }

  async sessionChanged(s: LocalSession): Promise<void> {
    const j = this.joined;
    if (!j || j.backbone.state !== 'connected') return;
    await j.registry
      .publish(info(s))
      .catch((err) => this.d.log.debug({ what: 'registry_publish_failed', err: String(err) }));
  }

  async sessionEnded(jid: Jid): Promise<void> {
    const j = this.joined;
    if (!j || j.backbone.state !== 'connected') return;
    await j.registry.withdraw(jid).catch(() => {});
  }

  remoteResources(bare: Jid): RemoteSession[] {
    return this.joined?.registry.remoteResources(bare) ?? [];
  }

  remoteGet(full: Jid): RemoteSession | undefined {
    return this.joined?.registry.remoteGet(full);
  }

  hasRemote(bare: Jid): boolean {
    return this.joined?.registry.hasAny(bare) ?? false;
  }

  remoteSessions(): RemoteSession[] {
    return this.joined?.registry.all() ?? [];
  }

  /** Publishes an encoded forward envelope to `node`; says why when it could not. */
  forward(
    node: string,
    envelope: string,
  ): undefined | { reason: 'not_joined' | 'publish_failed'; err?: unknown } {
    const j = this.joined;
    if (!j) return { reason: 'not_joined' };
    try {
      j.backbone.nc.publish(clusterNames(j.name).nodeSubject(node), envelope);
      return undefined;
    } catch (err) {
      // Connection closed or draining (a reconnecting connection buffers instead).
      return { reason: 'publish_failed', err };
    }
  }

  members(): MemberView[] {
    return this.joined?.membership.view() ?? [];
  }

  isMember(node: string): boolean {
    return this.members().some((m) => m.name === node);
  }

  /** Leaves the cluster: withdraw sessions, close clients towards the load balancer, go standalone. */
  async leave(): Promise<void> {
    const j = this.joined;
    if (!j) throw new ClusterError(`The node ${this.d.self} is not in the cluster`);
    const host = this.d.config.advertised_host;
    j.quiescing = true;
    await j.registry.withdrawAll(this.localInfos());
    const err = () =>
      host
        ? new StreamError('see-other-host', undefined, host)
        : new StreamError('system-shutdown');
    await Promise.all(this.d.sm.all().map((s) => s.close(err())));
    await j.membership.deregister();
    await this.shutdownJoined();
    this.fileState = { state: 'standalone' };
    await writeClusterState(this.d.dataDir, this.fileState);
    this.d.log.info({ what: 'cluster_left', node: this.d.self });
  }

  /** Removes another (dead) member: purge its sessions, leave a tombstone. */
  async remove(node: string): Promise<void> {
    const j = this.joined;
    if (!j) throw new ClusterError(`The node ${this.d.self} is not in the cluster`);
    const purged = await j.registry.purgeNode(node);
    await j.membership.markRemoved(node, this.d.self);
    this.d.log.warn({ what: 'cluster_node_removed', node, purged: purged.length });
    if (purged.length > 0) await this.d.onPurged(purged);
  }

  private async shutdownJoined(): Promise<void> {
    const j = this.joined;
    if (!j) return;
    this.joined = undefined;
    clearInterval(j.deathTimer);
    j.sub.unsubscribe();
    j.membership.stop();
    j.registry.stop();
    await j.backbone.close();
  }

  /** Node shutdown: our sessions leave the registry; membership stays (restart rejoins). */
  async stop(): Promise<void> {
    const j = this.joined;
    if (!j) return;
    j.membership.stopHeartbeats();
    j.quiescing = true;
    if (j.backbone.state === 'connected')
      await j.registry.withdrawAll(this.localInfos()).catch(() => {});
    await this.shutdownJoined();
  }
}

import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { SecureContext } from 'node:tls';
import type { AdminServices } from './admin/services.ts';
import { createAccountStore } from './auth/account-store.sql.ts';
import type { AccountStore } from './auth/account-store.ts';
import { deriveAccountSecrets, deriveScramCredentials } from './auth/scram.ts';
import { C2sListener } from './c2s/c2s-listener.ts';
import type { C2sDeps, TlsMode } from './c2s/deps.ts';
import { BoshDirectory } from './cluster/bosh-directory.ts';
import { createClusterAdmin } from './cluster/cluster-admin.ts';
import { wireCluster } from './cluster/cluster-wiring.ts';
import type { Config } from './config/index.ts';
import { StreamError } from './errors/index.ts';
import { HookBus } from './hooks/index.ts';
import { IqDispatcher, IqTracker } from './iq/index.ts';
import { makeJid, tryParseJid } from './jid/index.ts';
import { ModuleManager } from './modules/manager.ts';
import type { ModuleDefinition } from './modules/module-api.ts';
import { ALL_MODULES } from './modules/registry.ts';
import { DEFAULT_BOSH_LIMITS } from './net/bosh/protocol.ts';
import { type DrainOptions, type DrainReport, drainNode } from './net/drain.ts';
import { type StartedHttpListener, startHttpListeners } from './net/http-endpoints.ts';
import type { ReadyState } from './net/http-listener.ts';
import { checkReadiness } from './net/readiness.ts';
import {
  ensureSelfSignedCertificate,
  loadSecureContext,
  selfSignedWarning,
} from './net/tls-certificate.ts';
import { proxyTrust } from './net/trusted-proxies.ts';
import { readFdLimit } from './observability/fd-limits.ts';
import type { Logger } from './observability/logger.ts';
import { createMetrics, type NodeMetrics } from './observability/metrics.ts';
import { type MetricsServer, startMetricsServer } from './observability/metrics-server.ts';
import { timedDb, timeRouting } from './observability/metrics-timing.ts';
import { Router } from './router/index.ts';
import { SessionManager } from './sm/index.ts';
import { openDatabase, type SqlDb } from './storage/index.ts';
import { ensurePrivateDir } from './storage/private-files.ts';
import { NS_CLIENT, x } from './xml/index.ts';

export const VERSION = '0.1.0';

export interface MeerkatNode {
  readonly admin: AdminServices;
  readonly hooks: HookBus;
  readonly router: Router;
  readonly sm: SessionManager;
  readonly accounts: AccountStore;
  readonly modules: ModuleManager;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Bound c2s ports in config order (a configured port 0 gets a free port: tests). */
  c2sPorts(): number[];
  readonly metrics: NodeMetrics;
  /** Bound [[listen.http]] ports in config order. */
  httpPorts(): number[];
  /** Bound [metrics] port; undefined when metrics are disabled. */
  metricsPort(): number | undefined;
  /** What GET /ready answers: started, storage reachable, not draining. */
  ready(): Promise<ReadyState>;
  /** A draining node answers /ready with 503 so load balancers send no new clients. */
  setDraining(on: boolean): void;
  /** Graceful drain (issue 6): /ready 503, stop accepting, sessions asked to leave in batches. */
  drain(opts?: DrainOptions): Promise<DrainReport>;
}

export interface CreateNodeOptions {
  /** Module definitions available to [modules.*] (default: every module of the project). */
  modules?: readonly ModuleDefinition<unknown>[];
  /** The cluster cookie, for node-to-node control calls (join_cluster). */
  cookie?: string;
}

/** The composition root: builds every service of one node and passes them down (no globals). */
export async function createNode(
  config: Config,
  log: Logger,
  opts: CreateNodeOptions = {},
): Promise<MeerkatNode> {
  const hosts = new Set(config.general.hosts);
  const dataDir = config.general.data_dir;
  const dirMode = ensurePrivateDir(dataDir);
  if (dirMode.loose) {
    log.warn({
      what: 'data_dir_permissions',
      dataDir,
      mode: dirMode.mode.toString(8),
      hint: `group or others can enter the data dir (database, cookie, TLS key): chmod 700 ${dataDir}`,
    });
  }
  const metrics = createMetrics();
  const rawDb: SqlDb = await openDatabase(
    config.storage.backend === 'postgres'
      ? {
          backend: 'postgres',
          url: config.storage.postgres.url!,
          poolSize: config.storage.postgres.pool_size,
          statementTimeoutMs: config.storage.query_timeout_ms,
        }
      : { backend: 'sqlite', path: config.storage.sqlite.path },
  );
  const db = timedDb(rawDb, metrics);
  const accounts = await createAccountStore(db);
  const hooks = new HookBus();
  const iq = new IqDispatcher(log);
  const tracker = new IqTracker();
  const sm = new SessionManager();
  const userExists = (user: string, domain: string) => accounts.exists(user, domain);
  const startedAt = Date.now();
  const cluster = wireCluster({ config, sm, hooks, db, log, startedAt, metrics });
  // BOSH without sticky load balancing: a request for a sid held elsewhere goes to its owner.
  const boshDirectory = new BoshDirectory({
    self: config.node.name,
    connection: () => cluster.service.backboneConnection(),
    forwardTimeoutMs: (DEFAULT_BOSH_LIMITS.maxWait + 10) * 1000,
    maxInFlight: config.node.max_connections,
    refreshMs: config.cluster.heartbeat_interval_ms,
    log,
  });
  const router = new Router({
    hosts,
    sm,
    iq,
    tracker,
    hooks,
    userExists,
    log,
    remote: cluster.directory,
  });
  timeRouting(router, metrics);
  const modules = new ModuleManager(hooks, iq, log);
  const iterations = config.auth.scram_iterations;

  const removeUser = async (user: string, domain: string): Promise<boolean> => {
    const jid = makeJid(user, domain);
    const removed = await accounts.remove(jid.local, jid.domain);
    if (!removed) return false;
    await hooks.run('remove-user', undefined, { user: jid.local, domain: jid.domain });
    for (const s of sm.resources(jid))
      await s.close(new StreamError('not-authorized', 'account removed'));
    return true;
  };

  const c2sDeps: C2sDeps = {
    hosts,
    router,
    sm,
    hooks,
    iq,
    getSecrets: (user, domain) => accounts.getSecrets(user, domain),
    saslFakeKey: randomBytes(32),
    scramIterations: iterations,
    limits: {
      maxStanzaBytes: config.general.max_stanza_size,
      maxStanzaBytesPreauth: config.general.max_stanza_size_preauth,
      connectionTimeoutMs: config.general.connection_timeout_ms,
      maxOutboundBytes: 4 * 1024 * 1024,
      maxAuthFailures: 3,
    },
    log,
    counters: metrics.c2s,
  };

  let status: 'starting' | 'started' | 'stopping' = 'starting';
  const listeners: { listener: C2sListener; ip: string; port: number; kind: string }[] = [];
  let httpListeners: StartedHttpListener[] = [];
  let metricsServer: MetricsServer | undefined;
  let draining = false;
  let drainRun: Promise<DrainReport> | undefined;
  const ready = () =>
    checkReadiness({
      status: () => status,
      draining: () => draining,
      pingStorage: () => db.ping(),
      backbone: () => cluster.service.backboneState(),
    });

  let warnedSelfSigned = false;
  const tlsContextFor = async (certfile?: string, keyfile?: string): Promise<SecureContext> => {
    if (certfile && keyfile) return loadSecureContext({ certfile, keyfile });
    const self = await ensureSelfSignedCertificate(dataDir, [...hosts]);
    if (!warnedSelfSigned) {
      warnedSelfSigned = true;
      log.warn(selfSignedWarning(self));
    }
    return loadSecureContext(self);
  };

  const checkPassword = async (user: string, host: string, password: string): Promise<boolean> => {
    const jid = tryParseJid(`${user}@${host}`);
    if (!jid) return false;
    const secrets = await accounts.getSecrets(jid.local, jid.domain);
    if (!secrets) return false;
    const c = secrets.sha256;
    const derived = await deriveScramCredentials(password, 'sha256', c.iterations, c.salt);
    return timingSafeEqual(derived.storedKey, c.storedKey);
  };

  metrics.setClusterSource(() => {
    const members = cluster.service.members();
    const state = cluster.service.backboneState();
    return {
      running: members.filter((m) => m.running).length,
      stopped: members.filter((m) => !m.running).length,
      backboneConnected: state === 'none' ? undefined : state === 'connected',
    };
  });
  const clusterAdmin = createClusterAdmin({
    self: config.node.name,
    service: cluster.service,
    status: () => status,
    control: {
      cookie: opts.cookie,
      portMin: config.node.dist_port_min,
      portMax: config.node.dist_port_max,
    },
  });

  const admin: AdminServices = {
    cluster: clusterAdmin,
    node: {
      name: config.node.name,
      pid: process.pid,
      version: VERSION,
      status: () => status,
      startedAt,
      dataDir,
      logFile: config.general.log_file,
      listeners: () =>
        [...listeners, ...httpListeners].map((l) => ({ kind: l.kind, ip: l.ip, port: l.port })),
      fdLimit: () => readFdLimit(),
      stop: () => node.stop(),
      drain: async (o) => {
        const report = await node.drain(o);
        await node.stop();
        return report;
      },
    },
    accounts: {
      register: async (user, host, password) => {
        const jid = makeJid(user, host);
        if (!hosts.has(jid.domain)) throw new Error(`the host ${host} is not served by this node`);
        return accounts.create(
          jid.local,
          jid.domain,
          await deriveAccountSecrets(password, iterations),
        );
      },
      unregister: (user, host) => removeUser(user, host),
      changePassword: async (user, host, password) => {
        const jid = makeJid(user, host);
        return accounts.setSecrets(
          jid.local,
          jid.domain,
          await deriveAccountSecrets(password, iterations),
        );
      },
      exists: async (user, host) => {
        const jid = tryParseJid(`${user}@${host}`);
        return jid ? accounts.exists(jid.local, jid.domain) : false;
      },
      checkPassword,
      list: (host) => accounts.list(host),
      hosts: () => [...hosts],
    },
    sessions: {
      list: () => [
        ...sm.all().map((s) => ({
          jid: s.jid.toString(),
          ip: s.ip,
          transport: s.transport,
          priority: s.priority ?? 0,
          connectedAt: s.connectedAt,
        })),
        // Cluster-wide: sessions of the other nodes, from the registry mirror.
        ...cluster.service.remoteSessions().map((r) => ({
          jid: r.jid.toString(),
          ip: '',
          transport: `node ${r.node}`,
          priority: r.priority,
          connectedAt: r.connectedAt,
        })),
      ],
      count: () => sm.count() + cluster.service.remoteSessions().length,
      kick: async (jid, reason) => {
        const target = tryParseJid(jid);
        const s = target ? sm.get(target) : undefined;
        if (!s) return false;
        await s.close(new StreamError('policy-violation', reason));
        return true;
      },
      sendMessage: async (from, to, body) => {
        const f = tryParseJid(from);
        const t = tryParseJid(to);
        if (!f || !t) throw new Error('invalid JID');
        const msg = x(
          'message',
          NS_CLIENT,
          { from: f.toString(), to: t.toString(), type: 'chat' },
          x('body', NS_CLIENT, {}, body),
        );
        await router.route(msg, f, t);
      },
    },
  };

  const node: MeerkatNode = {
    admin,
    hooks,
    router,
    sm,
    accounts,
    modules,
    async start() {
      await modules.start(opts.modules ?? ALL_MODULES, config.modules, {
        hosts: [...hosts],
        hooks,
        iq,
        tracker,
        router,
        sm,
        db,
        log,
        metrics: metrics.modules,
        userExists,
        removeUser,
        accounts: {
          create: async (user, domain, password) =>
            accounts.create(user, domain, await deriveAccountSecrets(password, iterations)),
          setPassword: async (user, domain, password) =>
            accounts.setSecrets(user, domain, await deriveAccountSecrets(password, iterations)),
        },
        serverVersion: VERSION,
        dataDir,
        httpListeners: () =>
          httpListeners.map((l) => ({ ip: l.ip, port: l.port, secure: l.kind === 'https' })),
      });
      await cluster.start(router);
      boshDirectory.start();
      for (const l of config.listen.c2s) {
        const mode = l.tls.mode as TlsMode;
        const secureContext = await tlsContextFor(l.tls.certfile, l.tls.keyfile);
        const listener = new C2sListener({
          ip: l.ip,
          port: l.port,
          policy: { tlsMode: mode, allowPlainWithoutTls: l.allow_plain_without_tls },
          secureContext,
          maxConnections: l.max_connections ?? config.node.max_connections,
          proxy: l.proxy_protocol ? { trust: proxyTrust(l.trusted_proxies) } : undefined,
          maxConnectionsPerIp: l.max_connections_per_ip,
          maxReadRate: l.shaper === undefined ? undefined : config.shaper[l.shaper]?.max_rate,
          deps: l.max_stanza_size
            ? { ...c2sDeps, limits: { ...c2sDeps.limits, maxStanzaBytes: l.max_stanza_size } }
            : c2sDeps,
        });
        const port = await listener.listen();
        listeners.push({ listener, ip: l.ip, port, kind: mode === 'tls' ? 'c2s_tls' : 'c2s' });
        metrics.addRefusedSource('c2s', () => listener.refused);
        log.info({ what: 'listener_started', kind: 'c2s', ip: l.ip, port, tls: mode });
      }
      httpListeners = await startHttpListeners(config, {
        c2s: c2sDeps,
        log,
        metrics,
        ready,
        bosh: boshDirectory,
        prefixRoutes: modules.httpRoutes(),
      });
      if (config.metrics.enabled) {
        const { ip, port } = config.metrics;
        metricsServer = await startMetricsServer({ ip, port, metrics, log });
      }
      status = 'started';
      log.info({
        what: 'node_started',
        node: config.node.name,
        hosts: [...hosts],
        data_dir: dataDir,
      });
    },
    async stop() {
      if (status === 'stopping') return;
      status = 'stopping';
      log.info({ what: 'node_stopping', node: config.node.name });
      // Stop accepting first; net.Server.close() resolves only once every socket is gone.
      const all = [...listeners, ...httpListeners];
      const closed = Promise.all(all.map((l) => l.listener.close()));
      await Promise.all(sm.all().map((s) => s.close(new StreamError('system-shutdown'))));
      for (const l of all) l.listener.destroyAll();
      await closed;
      await boshDirectory.stop();
      await cluster.stop();
      await modules.stop();
      tracker.cancelAll();
      await db.close();
      await metricsServer?.close();
      metrics.stop();
      log.info({ what: 'node_stopped', node: config.node.name });
    },
    c2sPorts: () => listeners.map((l) => l.port),
    metrics,
    httpPorts: () => httpListeners.map((l) => l.port),
    metricsPort: () => metricsServer?.port,
    ready,
    setDraining(on) {
      draining = on;
    },
    // A second drain (SIGTERM during `meerkatctl drain`) joins the first.
    drain: (o = {}) =>
      (drainRun ??= drainNode(
        {
          setDraining: (on) => {
            draining = on;
          },
          stopAccepting: () => {
            for (const l of [...listeners, ...httpListeners]) void l.listener.close();
          },
          sessions: () => sm.all(),
          log,
        },
        { ...o, seeOtherHost: o.seeOtherHost ?? config.cluster.advertised_host },
      )),
  };
  return node;
}

import { AsyncLocalStorage } from 'node:async_hooks';
import type { Config } from '../config/index.ts';
import type { HookBus } from '../hooks/index.ts';
import { type Jid, tryParseJid } from '../jid/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { DropReason, NodeMetrics } from '../observability/metrics.ts';
import type { RemoteDirectory, Router, RouteTarget } from '../router/index.ts';
import type { LocalSession, SessionManager } from '../sm/index.ts';
import type { SqlDb } from '../storage/index.ts';
import { type Element, NS_CLIENT } from '../xml/index.ts';
import { parseElement } from '../xml/parse-element.ts';
import { serialize } from '../xml/serializer.ts';
import { ClusterService, PRESENCE_KEY } from './cluster-service.ts';
import { decodeForward, encodeForward } from './forward-envelope.ts';
import type { RemoteSession } from './session-registry.ts';
import { type DropDeps, undeliverable } from './undeliverable.ts';

/** A forwarded stanza may be forwarded again at most this often (stale mirrors can't loop it). */
const MAX_HOPS = 2;

export interface ClusterWiring {
  service: ClusterService;
  directory: RemoteDirectory;
  start(router: Router): Promise<void>;
  stop(): Promise<void>;
}

/** Builds the cluster service and connects it to the session manager, hooks and router. */
export function wireCluster(o: {
  config: Config;
  sm: SessionManager;
  hooks: HookBus;
  db: SqlDb;
  log: Logger;
  metrics: Pick<NodeMetrics, 'stanzaDropped'>;
  startedAt: number;
}): ClusterWiring {
  let router: Router | undefined;
  // The hop count of the forward being routed again, for the forwards that routing makes.
  // Async context, not a variable: routing awaits, and other stanzas are routed meanwhile.
  const hops = new AsyncLocalStorage<number>();
  type Where = Parameters<typeof undeliverable>[2];
  const drops: DropDeps = { log: o.log, metrics: o.metrics, hooks: o.hooks, router: () => router };
  const drop = (reason: DropReason, where: Where): void => {
    undeliverable(drops, reason, where).catch((err: unknown) =>
      o.log.error({ what: 'cluster_drop_handling_failed', reason, err }),
    );
  };

  /** A message on this node's subject: deliver it here, or route it again (the target moved). */
  const receive = (data: Uint8Array): [DropReason, Where] | undefined => {
    const env = decodeForward(data);
    if (!env) return ['bad_envelope', { err: `${data.length} bytes, not a forward envelope` }];
    const from = tryParseJid(env.f);
    const to = tryParseJid(env.t);
    if (!from || !to) return ['bad_jid', { err: `from '${env.f}' to '${env.t}'` }];
    let stanza: Element;
    try {
      stanza = parseElement(env.x);
    } catch (err) {
      return ['unparsable', { from, to, err }];
    }
    const r = router;
    if (!r) return ['not_ready', { stanza, from, to }];
    const local = o.sm.get(to);
    if (local) {
      local
        .deliver(stanza)
        .catch((err: unknown) => drop('deliver_failed', { stanza, from, to, err }));
      return undefined;
    }
    if (env.h >= MAX_HOPS) return ['max_hops', { stanza, from, to }];
    // The target left since the sender looked: apply the routing rules again from here.
    hops
      .run(env.h + 1, () => r.route(stanza, from, to))
      .catch((err: unknown) => drop('route_failed', { stanza, from, to, err }));
    return undefined;
  };
  const onForwarded = (data: Uint8Array): void => {
    const dropped = receive(data);
    if (dropped) drop(...dropped);
  };

  const service = new ClusterService({
    self: o.config.node.name,
    dataDir: o.config.general.data_dir,
    config: o.config.cluster,
    startedAt: o.startedAt,
    sm: o.sm,
    log: o.log,
    storage: {
      backend: o.config.storage.backend,
      identity: () => databaseIdentity(o.db, o.config),
    },
    onForwarded,
    async onPurged(jids) {
      for (const jid of jids) await o.hooks.run('session-purged', undefined, { jid });
    },
    async onRestored(session) {
      await o.hooks.run('session-restored', undefined, { session });
    },
  });

  const remoteTarget = (r: RemoteSession): RouteTarget => ({
    jid: r.jid,
    priority: r.priority,
    available: r.available,
    lastPresence: () => {
      if (!r.presence) return undefined;
      try {
        return parseElement(r.presence);
      } catch (err) {
        o.log.warn({ what: 'cluster_bad_presence', jid: r.jid.toString(), err: String(err) });
        return undefined;
      }
    },
    deliver: async (stanza) => {
      const failed = service.forward(
        r.node,
        encodeForward({
          f: stanza.attrs.from ?? '',
          t: r.jid.toString(),
          h: hops.getStore() ?? 0,
          // With its own xmlns: the receiving node parses it outside any stream (issue 19).
          x: serialize(stanza),
        }),
      );
      if (failed) {
        const from = tryParseJid(stanza.attrs.from ?? '');
        await undeliverable(drops, failed.reason, {
          stanza,
          from,
          to: r.jid,
          node: r.node,
          err: failed.err,
        });
      }
    },
  });
  const directory: RemoteDirectory = {
    targets: (bare: Jid) => service.remoteResources(bare).map(remoteTarget),
    target: (full: Jid) => {
      const r = service.remoteGet(full);
      return r ? remoteTarget(r) : undefined;
    },
  };

  const undo: (() => void)[] = [];
  return {
    service,
    directory,
    async start(r) {
      router = r;
      undo.push(
        o.hooks.add({
          hook: 'session-opened',
          priority: 0,
          handler: (acc, { session }) => {
            void service.sessionChanged(session as LocalSession);
            return acc;
          },
        }),
        o.hooks.add({
          hook: 'session-closed',
          priority: 0,
          handler: (acc, { session }) => {
            const jid = session.jid;
            // A session replaced by a newer one with the same JID must not withdraw the new entry.
            if (jid && !o.sm.get(jid)) void service.sessionEnded(jid);
            return acc;
          },
        }),
        o.hooks.add({
          hook: 'user-send-packet',
          priority: 0,
          handler: (acc, { session }) => {
            if (acc.name !== 'presence' || acc.attrs.to !== undefined) return acc;
            // The registry carries the last broadcast presence, so that probes and the
            // user's other resources on other nodes see it (RFC 6121 §4.3.2, §4.4.2).
            const type = acc.attrs.type;
            if (type === undefined) session.data.set(PRESENCE_KEY, serialize(acc, NS_CLIENT));
            else if (type === 'unavailable') session.data.delete(PRESENCE_KEY);
            void service.sessionChanged(session as LocalSession);
            return acc;
          },
        }),
      );
      await service.init();
    },
    async stop() {
      for (const u of undo) u();
      await service.stop();
    },
  };
}

/** What makes two nodes' databases "the same": PostgreSQL's system id and database name. */
async function databaseIdentity(db: SqlDb, config: Config): Promise<string> {
  if (db.dialect !== 'postgres') return `sqlite:${config.storage.sqlite.path}`;
  const rows = await db.query<{ id: string }>(
    "select (select system_identifier::text from pg_control_system()) || '/' || current_database() as id",
  );
  return `postgres:${rows[0]?.id ?? 'unknown'}`;
}

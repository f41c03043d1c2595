import { startBoshStream } from '../c2s/bosh-transport.ts';
import type { C2sDeps } from '../c2s/deps.ts';
import { startWsSession } from '../c2s/ws-transport.ts';
import type { Config } from '../config/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { NodeMetrics } from '../observability/metrics.ts';
import { BoshEndpoint } from './bosh/bosh-endpoint.ts';
import { BODY_OVERHEAD, DEFAULT_BOSH_LIMITS } from './bosh/protocol.ts';
import type { BoshLocalEndpoint, BoshRemote } from './bosh/remote.ts';
import {
  HOST_META_JSON_PATH,
  HOST_META_PATH,
  type HostMetaOptions,
  hostMetaHandler,
} from './host-meta.ts';
import { type HttpHandler, HttpListener, type ReadyState } from './http-listener.ts';

export interface StartedHttpListener {
  listener: HttpListener;
  ip: string;
  port: number;
  kind: 'http' | 'https';
}

export interface HttpEndpointDeps {
  c2s: C2sDeps;
  log: Logger;
  metrics: NodeMetrics;
  ready(): Promise<ReadyState>;
  /** In a cluster: finds BOSH sessions on other nodes (src/cluster/bosh-directory.ts). */
  bosh?: { attach(endpoint: BoshLocalEndpoint): BoshRemote };
  /** Modules' endpoints by path prefix, served on every listener. */
  prefixRoutes?: readonly { prefix: string; handler: HttpHandler }[];
}

/** Starts every `[[listen.http]]` listener, in config order; WebSockets run C2sSession. */
export async function startHttpListeners(
  config: Config,
  d: HttpEndpointDeps,
): Promise<StartedHttpListener[]> {
  const started: StartedHttpListener[] = [];
  for (const l of config.listen.http) {
    const tls =
      l.tls.certfile && l.tls.keyfile
        ? { certfile: l.tls.certfile, keyfile: l.tls.keyfile }
        : undefined;
    const routes = new Map<string, HttpHandler>();
    let bosh: BoshEndpoint | undefined;
    if (l.paths.bosh !== false) {
      const limits = d.c2s.limits;
      bosh = new BoshEndpoint({
        limits: {
          ...DEFAULT_BOSH_LIMITS,
          maxSessions: l.max_connections ?? config.node.max_connections,
        },
        maxBodyBytes: limits.maxStanzaBytes + BODY_OVERHEAD,
        initialBodyBytes: limits.maxStanzaBytesPreauth + BODY_OVERHEAD,
        startStream: (session) => startBoshStream(session, d.c2s),
        log: d.log,
      });
      bosh.remote = d.bosh?.attach(bosh);
      routes.set(l.paths.bosh, bosh.handler);
    }
    if (l.paths.host_meta) {
      // XEP-0156 §3: this listener's own WebSocket and BOSH URLs.
      const o: HostMetaOptions = {
        websocket: l.paths.websocket,
        bosh: l.paths.bosh,
        publicUrl: l.public_url,
      };
      routes.set(HOST_META_PATH, hostMetaHandler(o, false));
      routes.set(HOST_META_JSON_PATH, hostMetaHandler(o, true));
    }
    const maxReadRate = l.shaper === undefined ? undefined : config.shaper[l.shaper]?.max_rate;
    const listener = new HttpListener({
      ip: l.ip,
      port: l.port,
      tls,
      paths: { websocket: l.paths.websocket, health: l.paths.health },
      trustedProxies: l.trusted_proxies,
      proxyProtocol: l.proxy_protocol ? {} : undefined,
      maxConnections: l.max_connections ?? config.node.max_connections,
      maxConnectionsPerIp: l.max_connections_per_ip,
      maxMessageBytes: d.c2s.limits.maxStanzaBytes,
      log: d.log,
      metrics: d.metrics.listeners,
      ready: d.ready,
      onWebSocket: (ws, client) => startWsSession(ws, client, d.c2s, { maxReadRate }),
      routes,
      prefixRoutes: d.prefixRoutes,
      onDestroyAll: () => bosh?.closeAll(),
    });
    const port = await listener.listen();
    const kind = tls ? 'https' : 'http';
    started.push({ listener, ip: l.ip, port, kind });
    d.log.info({
      what: 'listener_started',
      kind,
      ip: l.ip,
      port,
      websocket: l.paths.websocket,
      bosh: l.paths.bosh,
    });
  }
  return started;
}

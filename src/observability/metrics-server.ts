import { createServer, type Server } from 'node:http';
import type { Logger } from './logger.ts';
import type { NodeMetrics } from './metrics.ts';

export interface MetricsServerOptions {
  ip: string;
  /** 0: a free port (tests). */
  port: number;
  metrics: Pick<NodeMetrics, 'render' | 'contentType'>;
  log: Logger;
}

export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The `[metrics]` listener: GET /metrics in the Prometheus text format, nothing else. It has its
 * own port (default 127.0.0.1:9091) so it can stay off the public interfaces.
 */
export async function startMetricsServer(o: MetricsServerOptions): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    o.metrics.render().then(
      (text) => {
        res.writeHead(200, { 'content-type': o.metrics.contentType });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        o.log.error({ what: 'metrics_render_failed', err });
        res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
      },
    );
  });
  server.on('error', (err) => o.log.warn({ what: 'metrics_listener_error', err }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: o.ip, port: o.port }, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  o.log.info({ what: 'listener_started', kind: 'metrics', ip: o.ip, port });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

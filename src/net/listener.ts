import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';

/**
 * A TCP listener that survives running out of file descriptors and enforces max_connections.
 *
 * When accept(2) fails with EMFILE/ENFILE, libuv frees its one reserve descriptor, accepts and
 * closes the pending connections with it (so clients see a close instead of hanging), re-opens
 * the reserve and keeps listening: accepts succeed again as soon as descriptors free up. That
 * path reports nothing to JavaScript; only when the reserve itself is lost does Node emit an
 * 'error' event with `syscall: 'accept'` (fatal if nobody listens for it). So we listen for that
 * event and log it, at most once per interval; the silent path is caught by the process-wide
 * watchFdExhaustion() (observability/fd-limits.ts) that main.ts runs.
 */
export interface ListenerMetrics {
  /** A connection was closed at once because max_connections was reached. */
  connectionRejected(kind: string): void;
  /** accept(2) failed (EMFILE, ENFILE, ...). */
  acceptFailed(kind: string, code: string): void;
}

export interface TcpListenerOptions {
  ip: string;
  port: number;
  /** Open connections allowed; the next ones are closed at once and counted. */
  maxConnections: number;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  metrics?: ListenerMetrics;
  /** Label for logs and metrics, e.g. 'c2s'. */
  kind?: string;
  onConnection(socket: Socket): void;
  /** Minimum time between two accept_emfile log lines. */
  emfileLogIntervalMs?: number;
}

export interface ListenerStats {
  open: number;
  accepted: number;
  rejected: number;
  acceptErrors: number;
}

export interface TcpListener {
  ip: string;
  port: number;
  stats(): ListenerStats;
  /** Stops accepting now; resolves once every open connection has closed (their owners close them). */
  close(): Promise<void>;
}

export async function createTcpListener(opts: TcpListenerOptions): Promise<TcpListener> {
  const kind = opts.kind ?? 'tcp';
  const stats: ListenerStats = { open: 0, accepted: 0, rejected: 0, acceptErrors: 0 };
  const interval = opts.emfileLogIntervalMs ?? 1000;
  let lastEmfileLog = Number.NEGATIVE_INFINITY;
  let suppressed = 0;

  const server: Server = createServer((socket) => {
    if (stats.open >= opts.maxConnections) {
      stats.rejected++;
      opts.metrics?.connectionRejected(kind);
      socket.destroy();
      return;
    }
    stats.open++;
    stats.accepted++;
    socket.once('close', () => stats.open--);
    opts.onConnection(socket);
  });

  const reportAcceptError = (code: string) => {
    stats.acceptErrors++;
    opts.metrics?.acceptFailed(kind, code);
    const now = Date.now();
    if (now - lastEmfileLog < interval) {
      suppressed++;
      return;
    }
    lastEmfileLog = now;
    const what = code === 'EMFILE' || code === 'ENFILE' ? 'accept_emfile' : 'accept_failed';
    opts.log.warn(
      { what, kind, code, open: stats.open, suppressed, port: address().port },
      'accept failed: out of file descriptors; raise the open-files limit (see docs/operations.md)',
    );
    suppressed = 0;
  };
  const onServerError = (err: NodeJS.ErrnoException) => {
    if (err.syscall === 'accept') reportAcceptError(err.code ?? 'unknown');
    else opts.log.error({ what: 'listener_error', kind, err });
  };
  const address = () => server.address() as { address: string; port: number };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: opts.ip, port: opts.port }, () => {
      server.off('error', reject);
      server.on('error', onServerError);
      resolve();
    });
  });

  opts.log.info({ what: 'listener_started', kind, ip: opts.ip, port: address().port });
  const port = address().port;
  return {
    ip: opts.ip,
    port,
    stats: () => ({ ...stats }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

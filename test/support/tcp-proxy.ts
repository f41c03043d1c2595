import { connect, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  /** `nats://127.0.0.1:PORT`-style address of the proxy (scheme given to startTcpProxy). */
  url: string;
  port: number;
  /** Simulates a netsplit: destroys every piped connection and refuses new ones until heal(). */
  cut(): void;
  /** Accepts (and pipes) connections again. */
  heal(): void;
  /** Connections currently piped (both halves open). */
  connections(): number;
  close(): Promise<void>;
}

/**
 * A loopback TCP proxy in front of a server (here nats-server), so a test can cut one client
 * off from it while everything else keeps its own connections. While cut, new connections are
 * accepted and destroyed at once (the port stays bound, so heal() cannot lose it to another
 * process); the client sees a closed socket, as with a broken link.
 */
export async function startTcpProxy(o: {
  targetPort: number;
  targetHost?: string;
  scheme?: string;
}): Promise<TcpProxy> {
  const host = o.targetHost ?? '127.0.0.1';
  const pairs = new Set<[Socket, Socket]>();
  let isCut = false;

  const server = createServer((client) => {
    client.on('error', () => {});
    if (isCut) {
      client.destroy();
      return;
    }
    const upstream = connect({ host, port: o.targetPort });
    upstream.on('error', () => {});
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.once('close', drop);
    upstream.once('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;

  const destroyAll = () => {
    for (const [a, b] of [...pairs]) {
      a.destroy();
      b.destroy();
    }
    pairs.clear();
  };

  return {
    url: `${o.scheme ?? 'nats'}://127.0.0.1:${port}`,
    port,
    cut() {
      isCut = true;
      destroyAll();
    },
    heal() {
      isCut = false;
    },
    connections: () => pairs.size,
    async close() {
      isCut = true;
      destroyAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

import { createServer, type Server, type Socket } from 'node:net';
import { type SecureContext, TLSSocket } from 'node:tls';
import { IpLimiter, ipLimitLogger } from '../net/ip-limiter.ts';
import { readProxyHeader } from '../net/proxy-protocol-reader.ts';
import type { ProxyTrust } from '../net/trusted-proxies.ts';
import type { C2sDeps, ListenerPolicy } from './deps.ts';
import { C2sSession } from './session.ts';
import { TcpTransport } from './tcp-transport.ts';

export interface C2sListenerOptions {
  ip: string;
  port: number;
  policy: ListenerPolicy;
  secureContext: SecureContext | undefined;
  maxConnections: number;
  deps: C2sDeps;
  /** Called for every connection accepted; returns false to refuse it. */
  onAccept?(socket: Socket): boolean;
  /** `proxy_protocol = true`: a PROXY header from a trusted proxy comes first (issue 6). */
  proxy?: { trust: ProxyTrust; timeoutMs?: number };
  /** `max_connections_per_ip`: open connections one client address may hold; unset: no cap. */
  maxConnectionsPerIp?: number;
  /** The listener's `[shaper.NAME] max_rate` (bytes per second read per connection). */
  maxReadRate?: number;
}

/** A c2s listener on TCP: STARTTLS (`starttls`, `starttls_required`) or direct TLS (`tls`, XEP-0368). */
export class C2sListener {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly perIp: IpLimiter | undefined;
  private readonly ipLimitReached: ((ip: string) => void) | undefined;
  /** Connections closed at accept: max_connections, max_connections_per_ip, onAccept. */
  refused = 0;

  constructor(private readonly o: C2sListenerOptions) {
    const cap = o.maxConnectionsPerIp;
    this.perIp = cap === undefined ? undefined : new IpLimiter(cap);
    this.ipLimitReached = cap === undefined ? undefined : ipLimitLogger(o.deps.log, 'c2s', cap);
  }

  async listen(): Promise<number> {
    const server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.server = server;
    server.on('error', (err: NodeJS.ErrnoException) => {
      // EMFILE/ENFILE on accept: keep serving (issue 3); logged rate-limited by the caller's logger.
      this.o.deps.log.warn({
        what:
          err.code === 'EMFILE' || err.code === 'ENFILE' ? 'accept_emfile' : 'c2s_listener_error',
        err,
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.o.ip, port: this.o.port, backlog: 1024 }, () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
    const addr = server.address();
    return typeof addr === 'object' && addr ? addr.port : this.o.port;
  }

  get connections(): number {
    return this.sockets.size;
  }

  private accept(socket: Socket): void {
    if (
      this.sockets.size >= this.o.maxConnections ||
      (this.o.onAccept && !this.o.onAccept(socket))
    ) {
      this.refused++;
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    const proxy = this.o.proxy;
    if (!proxy) {
      const ip = normalizeIp(socket.remoteAddress ?? '');
      if (this.admitIp(socket, ip)) this.start(socket, ip, false);
      return;
    }
    const opts = { trust: proxy.trust, timeoutMs: proxy.timeoutMs, log: this.o.deps.log };
    void readProxyHeader(socket, { ...opts, kind: 'c2s' }).then((ip) => {
      // The per-IP cap counts the client the PROXY header names, not the proxy.
      if (ip !== undefined && !socket.destroyed && this.admitIp(socket, ip)) {
        this.start(socket, ip, true);
      }
    });
  }

  /** Takes a per-IP slot until the socket closes; past the cap, destroys it before any XML. */
  private admitIp(socket: Socket, ip: string): boolean {
    if (!this.perIp) return true;
    const release = this.perIp.acquire(ip);
    if (!release) {
      this.refused++;
      this.ipLimitReached?.(ip);
      socket.destroy();
      return false;
    }
    socket.once('close', release);
    return true;
  }

  /** `ip`: the client's address; `paused`: the PROXY reader left the socket paused. */
  private start(socket: Socket, ip: string, paused: boolean): void {
    const direct = this.o.policy.tlsMode === 'tls';
    let s: Socket = socket;
    if (direct) {
      if (!this.o.secureContext) {
        socket.destroy();
        return;
      }
      // XEP-0368: TLS from the first byte, ALPN "xmpp-client".
      s = new TLSSocket(socket, {
        isServer: true,
        secureContext: this.o.secureContext,
        ALPNProtocols: ['xmpp-client'],
      });
    }
    const transport = new TcpTransport({
      socket: s,
      ip,
      secureContext: direct ? undefined : this.o.secureContext,
      directTls: direct,
      maxStanzaBytes: this.o.deps.limits.maxStanzaBytesPreauth,
      maxReadRate: this.o.maxReadRate,
    });
    new C2sSession(transport, this.o.deps, this.o.policy);
    // A TLSSocket reads what the PROXY reader left buffered itself; a plain socket must flow.
    if (paused && !direct) socket.resume();
  }

  /** Stops accepting; existing connections stay (the node closes sessions itself). */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  destroyAll(): void {
    for (const s of this.sockets) s.destroy();
  }
}

function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

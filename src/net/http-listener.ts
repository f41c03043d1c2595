import { readFile } from 'node:fs/promises';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../observability/logger.ts';
import type { ListenerCounters } from '../observability/metrics.ts';
import { IpLimiter, ipLimitLogger } from './ip-limiter.ts';
import { readProxyHeader } from './proxy-protocol-reader.ts';
import { clientAddress, isForwardedSecure, normalizeIp, proxyTrust } from './trusted-proxies.ts';
import { WsHeartbeat } from './ws-heartbeat.ts';

export interface ReadyState {
  ready: boolean;
  /** Why not ready (empty when ready): 'starting', 'storage_unreachable', 'draining'... */
  reasons: string[];
}

export interface HttpClientInfo {
  /** The real client address (X-Forwarded-For believed only from trusted proxies). */
  ip: string;
  /** TLS on this listener, or `X-Forwarded-Proto: https` from a trusted proxy. */
  secure: boolean;
  /**
   * The client's own TLS connection, for SASL channel binding: set on a TLS listener unless the
   * peer is a trusted proxy (whose TLS connection to us is its own, not the client's).
   */
  tls?: TLSSocket;
}

export type HttpHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  client: HttpClientInfo,
) => void;

export interface HttpListenerOptions {
  ip: string;
  /** 0: a free port (tests). */
  port: number;
  /** HTTPS when both are set. */
  tls?: { certfile: string; keyfile: string };
  paths: { websocket: string | false; health: boolean };
  trustedProxies: readonly string[];
  /** `proxy_protocol = true`: every connection starts with a PROXY header from a trusted proxy. */
  proxyProtocol?: { timeoutMs?: number };
  maxConnections: number;
  /**
   * `max_connections_per_ip`: open connections one client address may hold; unset: no cap.
   * Counted per TCP connection by its address (or the PROXY header's source); connections from
   * a trusted proxy carry many clients, so there WebSocket upgrades are counted by the
   * X-Forwarded-For client instead.
   */
  maxConnectionsPerIp?: number;
  /** Largest WebSocket message: the post-auth stanza limit (the session enforces the pre-auth one). */
  maxMessageBytes: number;
  /** WebSocket ping interval; a peer silent for two intervals is dropped. Default 30 s. */
  pingIntervalMs?: number;
  log: Logger;
  metrics?: ListenerCounters;
  /** GET /ready: started, storage reachable, not draining. */
  ready(): Promise<ReadyState>;
  onWebSocket(ws: WebSocket, client: HttpClientInfo): void;
  /** More endpoints by exact path (e.g. BOSH). */
  routes?: ReadonlyMap<string, HttpHandler>;
  /** More endpoints by path prefix (modules' routes, e.g. XEP-0363 uploads under /upload/). */
  prefixRoutes?: readonly { prefix: string; handler: HttpHandler }[];
  /** Called by destroyAll(): endpoints with state of their own (BOSH sessions) end it. */
  onDestroyAll?(): void;
}

const KIND = 'http';

/**
 * The `[[listen.http]]` listener: XMPP over WebSocket (RFC 7395), /health and /ready for load
 * balancers, plain HTTP or HTTPS. Connections past max_connections are closed at accept.
 */
export class HttpListener {
  private server: Server | undefined;
  /** With PROXY protocol: the socket that listens; `server` then only parses HTTP. */
  private front: Server | undefined;
  /** Real client address by the proxy connection's `ip:port`, while that connection is open. */
  private readonly proxied = new Map<string, string>();
  private readonly sockets = new Set<Socket>();
  private readonly wss: WebSocketServer;
  private readonly heartbeat: WsHeartbeat;
  private readonly trust;
  private readonly perIp: IpLimiter | undefined;
  private readonly ipLimitReached: ((ip: string) => void) | undefined;
  refused = 0;

  constructor(private readonly o: HttpListenerOptions) {
    this.trust = proxyTrust(o.trustedProxies);
    const cap = o.maxConnectionsPerIp;
    this.perIp = cap === undefined ? undefined : new IpLimiter(cap);
    this.ipLimitReached = cap === undefined ? undefined : ipLimitLogger(o.log, KIND, cap);
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: o.maxMessageBytes,
      // Issue 6 / ARCHITECTURE.md §10: compression costs memory per connection and opens
      // compression-ratio attacks on the stanza limit.
      perMessageDeflate: false,
      handleProtocols: () => 'xmpp',
    });
    this.heartbeat = new WsHeartbeat(o.pingIntervalMs ?? 30_000);
  }

  get secure(): boolean {
    return this.o.tls !== undefined;
  }

  get connections(): number {
    return this.sockets.size;
  }

  async listen(): Promise<number> {
    const tls = this.o.tls;
    const handler = (req: IncomingMessage, res: ServerResponse) => this.onRequest(req, res);
    const server: Server = tls
      ? createHttpsServer(
          {
            cert: await readFile(tls.certfile),
            key: await readFile(tls.keyfile),
            minVersion: 'TLSv1.2',
          },
          handler,
        )
      : createHttpServer(handler);
    this.server = server;
    server.on('connection', (socket: Socket) => {
      // Behind the PROXY front the socket was admitted there, with the header's address.
      if (this.accept(socket) && !this.front) {
        this.admitIp(socket, normalizeIp(socket.remoteAddress ?? ''));
      }
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.onUpgrade(req, socket, head),
    );
    // TLS handshake failures and client resets are the client's problem, not a log line each.
    server.on('tlsClientError', () => {});
    server.on('clientError', (_err, socket: Duplex) => socket.destroy());
    const listening = this.o.proxyProtocol ? this.proxyFront(server) : server;
    await new Promise<void>((resolve, reject) => {
      listening.once('error', reject);
      listening.listen({ host: this.o.ip, port: this.o.port, backlog: 1024 }, () => {
        listening.removeListener('error', reject);
        resolve();
      });
    });
    listening.on('error', (err: NodeJS.ErrnoException) => {
      if (err.syscall === 'accept') this.o.metrics?.acceptFailed(KIND, err.code ?? 'unknown');
      this.o.log.warn({ what: 'http_listener_error', code: err.code, err });
    });
    const addr = listening.address();
    return typeof addr === 'object' && addr ? addr.port : this.o.port;
  }

  /**
   * A plain TCP server in front of the HTTP(S) one: it reads the PROXY header first (trusted
   * peers only, see readProxyHeader), then hands the socket over as a new connection.
   */
  private proxyFront(server: Server): Server {
    const front = createNetServer((socket) => {
      if (!this.accept(socket)) return;
      const peerKey = key(socket);
      const opts = { trust: this.trust, log: this.o.log, kind: KIND };
      void readProxyHeader(socket, { ...opts, timeoutMs: this.o.proxyProtocol?.timeoutMs }).then(
        (ip) => {
          if (ip === undefined || socket.destroyed || !this.admitIp(socket, ip)) return;
          this.proxied.set(peerKey, ip);
          socket.once('close', () => this.proxied.delete(peerKey));
          server.emit('connection', socket);
          // HTTPS wraps the socket in a TLSSocket that reads the buffered bytes itself.
          if (!this.secure) socket.resume();
        },
      );
    });
    this.front = front;
    return front;
  }

  /** Counts the connection; false (and the socket closed) past max_connections. */
  private accept(socket: Socket): boolean {
    if (this.sockets.has(socket)) return true;
    if (this.sockets.size >= this.o.maxConnections) {
      this.refused++;
      this.o.metrics?.connectionRejected(KIND);
      socket.destroy();
      return false;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    return true;
  }

  /**
   * The per-IP cap at the connection level, keyed by `ip` (the socket peer or the PROXY
   * header's source). A trusted proxy's connections are not counted here: it speaks for many
   * clients, whose WebSocket upgrades onUpgrade counts by X-Forwarded-For instead.
   */
  private admitIp(socket: Socket, ip: string): boolean {
    if (!this.perIp || this.trust.trusts(ip)) return true;
    const release = this.perIp.acquire(ip);
    if (release) {
      socket.once('close', release);
      return true;
    }
    this.refusedByIp(ip);
    socket.destroy();
    return false;
  }

  private refusedByIp(ip: string): void {
    this.refused++;
    this.o.metrics?.connectionRejected(KIND);
    this.ipLimitReached?.(ip);
  }

  /** The connection's own client address: the PROXY header's source, else the socket peer. */
  private peer(req: IncomingMessage): string {
    const socketPeer = normalizeIp(req.socket.remoteAddress ?? '');
    return this.front ? (this.proxied.get(key(req.socket)) ?? socketPeer) : socketPeer;
  }

  private client(req: IncomingMessage): HttpClientInfo {
    // With PROXY protocol the header's source is the peer; X-Forwarded-For still applies when
    // that peer is itself a trusted proxy.
    const peer = this.peer(req);
    const own = req.socket instanceof TLSSocket && !this.trust.trusts(peer);
    return {
      ip: clientAddress(peer, req.headers['x-forwarded-for'], this.trust),
      secure: this.secure || isForwardedSecure(peer, req.headers['x-forwarded-proto'], this.trust),
      ...(own ? { tls: req.socket as TLSSocket } : {}),
    };
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    socket.on('error', () => {});
    const ws = this.o.paths.websocket;
    if (ws === false || pathOf(req.url) !== ws) return refuse(socket, 404, 'Not Found');
    // RFC 7395 §3.1: the client must offer the "xmpp" subprotocol; without it we refuse the
    // handshake rather than speak XMPP to a client that did not ask for it.
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim());
    if (!offered.includes('xmpp')) {
      return refuse(socket, 400, 'Bad Request', 'the xmpp WebSocket subprotocol is required\n');
    }
    const client = this.client(req);
    // Through a trusted proxy the connection was not counted (admitIp): count the WebSocket by
    // its real client, for as long as it is open.
    if (this.perIp && this.trust.trusts(this.peer(req))) {
      const release = this.perIp.acquire(client.ip);
      if (!release) {
        this.refusedByIp(client.ip);
        return refuse(socket, 503, 'Service Unavailable', 'too many connections\n');
      }
      socket.once('close', release);
    }
    this.wss.handleUpgrade(req, socket, head, (conn) => {
      this.heartbeat.add(conn);
      this.o.onWebSocket(conn, client);
    });
  }

  private onRequest(req: IncomingMessage, res: ServerResponse) {
    const path = pathOf(req.url);
    const route = this.o.routes?.get(path);
    if (route) return route(req, res, this.client(req));
    const prefixed = this.o.prefixRoutes?.find((r) => path.startsWith(r.prefix));
    if (prefixed) return prefixed.handler(req, res, this.client(req));
    const health = this.o.paths.health && (path === '/health' || path === '/ready');
    if (!health && path !== this.o.paths.websocket) return json(res, 404, { status: 'not_found' });
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === this.o.paths.websocket) {
      res.writeHead(426, { upgrade: 'websocket', 'content-type': 'text/plain' });
      res.end('use a WebSocket with the xmpp subprotocol\n');
      return;
    }
    // /health: the process answers. /ready: it should receive new clients (issue 6).
    if (path === '/health') return json(res, 200, { status: 'ok' });
    this.o.ready().then(
      (r) =>
        json(
          res,
          r.ready ? 200 : 503,
          r.ready ? { status: 'ready' } : { status: 'not_ready', reasons: r.reasons },
        ),
      (err: unknown) => {
        this.o.log.warn({ what: 'ready_check_failed', err });
        json(res, 503, { status: 'not_ready', reasons: ['check_failed'] });
      },
    );
  }

  /** Stops accepting; open connections stay until their sessions close them. */
  async close(): Promise<void> {
    this.heartbeat.stop();
    const server = this.server;
    if (!server) return;
    const front = this.front;
    await new Promise<void>((resolve) => {
      // The HTTP server never listened behind a front: its close() only tracks connections.
      if (front) front.close(() => server.close(() => resolve()));
      else server.close(() => resolve());
      // Idle keep-alive HTTP connections would hold close() open.
      (server as unknown as { closeIdleConnections(): void }).closeIdleConnections();
    });
  }

  destroyAll(): void {
    this.o.onDestroyAll?.();
    for (const s of this.sockets) s.destroy();
  }
}

/** The proxy connection's own endpoint: unique among open connections, same on its TLSSocket. */
function key(socket: { remoteAddress?: string; remotePort?: number }): string {
  return `${socket.remoteAddress}:${socket.remotePort}`;
}

function pathOf(url: string | undefined): string {
  const u = url ?? '/';
  const q = u.indexOf('?');
  return q === -1 ? u : u.slice(0, q);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function refuse(socket: Duplex, status: number, reason: string, body = ''): void {
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../observability/logger.ts';
import type { HttpClientInfo, HttpHandler } from '../http-listener.ts';
import { type BoshReply, BoshSession } from './bosh-session.ts';
import { type BoshCondition, type BoshLimits, negotiate, terminateBody } from './protocol.ts';
import type { BoshLocalEndpoint, BoshRemote } from './remote.ts';
import { type BoshRequest, parseRequest } from './request.ts';
import { type BoshSessionTable, MemoryBoshSessionTable } from './session-table.ts';

export interface BoshEndpointOptions {
  limits: BoshLimits;
  /** Largest request body at any stage: the post-auth stanza limit plus the wrapper. */
  maxBodyBytes: number;
  /** Largest body of a new (unauthenticated) session. */
  initialBodyBytes: number;
  table?: BoshSessionTable;
  /** Runs a c2s stream on a new session; it must set the session's upstream. */
  startStream(session: BoshSession): void;
  log: Logger;
}

/**
 * Browsers reach BOSH from pages served elsewhere (the reason BOSH exists): answer CORS so
 * that a web client on another origin can POST here. No credentials are involved.
 */
const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'Content-Type',
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-max-age': '86400',
};
const XML_HEADERS = {
  ...CORS,
  'content-type': 'text/xml; charset=utf-8',
  'cache-control': 'no-store',
};

/** The `paths.bosh` endpoint of an HTTP listener (XEP-0124 over XEP-0206). */
export class BoshEndpoint implements BoshLocalEndpoint {
  readonly table: BoshSessionTable;
  readonly handler: HttpHandler = (req, res, client) => this.onRequest(req, res, client);
  /** In a cluster: where sids held by other nodes are served (see remote.ts). */
  remote: BoshRemote | undefined;

  constructor(private readonly o: BoshEndpointOptions) {
    this.table = o.table ?? new MemoryBoshSessionTable();
  }

  private onRequest(req: IncomingMessage, res: ServerResponse, client: HttpClientInfo): void {
    req.on('error', () => {});
    res.on('error', () => {});
    if (req.method === 'OPTIONS') return void res.writeHead(200, CORS).end();
    if (req.method !== 'POST') {
      res.writeHead(405, { ...CORS, allow: 'POST, OPTIONS', 'content-type': 'text/plain' });
      return void res.end('BOSH: POST a <body/> here\n');
    }
    const max = this.o.maxBodyBytes;
    if (Number(req.headers['content-length'] ?? 0) > max) {
      tooLarge(req, res);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) return void chunks.push(chunk);
      req.removeListener('data', onData);
      tooLarge(req, res);
    };
    req.on('data', onData);
    req.on('end', () => {
      if (size <= max) this.onBody(Buffer.concat(chunks, size), httpReply(res), client);
    });
  }

  has(sid: string): boolean {
    return this.table.get(sid) !== undefined;
  }

  *sids(): Iterable<string> {
    for (const s of this.table.all()) yield s.sid;
  }

  /** A request another node received for one of our sessions: the same path as our own. */
  serveForwarded(data: Buffer, client: HttpClientInfo): Promise<string> {
    return new Promise((resolve) => this.onBody(data, { send: resolve }, client, false));
  }

  private onBody(data: Buffer, reply: BoshReply, client: HttpClientInfo, mayForward = true): void {
    const parsed = parseRequest(data, this.o.maxBodyBytes);
    if (!parsed.ok) {
      this.o.log.debug({ what: 'bosh_bad_request', ip: client.ip, reason: parsed.reason });
      reply.send(terminateBody('bad-request'));
      return;
    }
    const req = parsed.req;
    if (req.sid === undefined) {
      this.create(req, reply, client);
      return;
    }
    const session = this.table.get(req.sid);
    // In a cluster the session may live on another node: its owner answers (never re-forwarded).
    if (!session && mayForward && this.remote) {
      void this.remote
        .forward(req.sid, data, client)
        .catch(() => undefined)
        .then((xml) => reply.send(xml ?? terminateBody('item-not-found')));
      return;
    }
    // §17.2 item-not-found: an unknown (or expired) sid.
    if (!session) {
      reply.send(terminateBody('item-not-found'));
      return;
    }
    session.handle(req, reply);
  }

  /** §7.1 session creation. */
  private create(req: BoshRequest, reply: BoshReply, client: HttpClientInfo): void {
    const refuse = (c: BoshCondition) => reply.send(terminateBody(c));
    if (req.bytes > this.o.initialBodyBytes) {
      refuse('policy-violation');
      return;
    }
    if (this.table.size >= this.o.limits.maxSessions) {
      this.o.log.warn({
        what: 'bosh_sessions_full',
        ip: client.ip,
        max: this.o.limits.maxSessions,
      });
      refuse('remote-connection-failed');
      return;
    }
    const session = new BoshSession({
      // 128 random bits: a sid is the only thing that binds a request to a session.
      sid: randomBytes(16).toString('hex'),
      params: negotiate(req.attrs, this.o.limits),
      limits: this.o.limits,
      ip: client.ip,
      secure: client.secure,
      maxBodyBytes: this.o.initialBodyBytes,
      onRemove: (sid) => {
        this.table.remove(sid);
        this.remote?.ended(sid);
      },
    });
    this.table.add(session);
    // The creation response leaves once other nodes can find the sid: the client's next
    // request may reach any of them.
    const findable = this.remote?.created(session.sid).catch((err) => {
      this.o.log.warn({ what: 'bosh_sid_not_published', err: String(err) });
    });
    const answer: BoshReply = findable
      ? { send: (xml) => void findable.then(() => reply.send(xml)) }
      : reply;
    this.o.startStream(session);
    session.start(req, answer);
  }

  /** Ends every session (node stop): held requests get `system-shutdown`. */
  closeAll(): void {
    for (const s of [...this.table.all()]) s.terminate('system-shutdown');
  }
}

function httpReply(res: ServerResponse): BoshReply {
  return {
    send(xml) {
      if (res.writableEnded || res.destroyed) return;
      res.writeHead(200, XML_HEADERS).end(xml);
    },
  };
}

/** A body over the limit is refused without reading it (the connection is not reused). */
function tooLarge(req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(413, { ...CORS, connection: 'close', 'content-type': 'text/plain' });
  res.end('request body too large\n', () => req.socket.destroy());
}

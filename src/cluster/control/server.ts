import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import {
  CommandError,
  type CommandRegistry,
  runCommand,
  UsageError,
} from '../../admin/command-registry.ts';
import type { AdminServices } from '../../admin/services.ts';
import { FramedSocket } from './framed-socket.ts';
import {
  type Call,
  type CallError,
  type CallResult,
  isNonce,
  isObject,
  newNonce,
  PROTOCOL_VERSION,
  proof,
  proofMatches,
} from './handshake.ts';
import { resolveNodeHost } from './node-name.ts';

export interface ControlServerOptions {
  nodeName: string;
  cookie: string;
  portMin: number;
  portMax: number;
  /** Host part of the node name (or an IP): the control port binds the address it resolves to. */
  host: string;
  registry: CommandRegistry;
  services: AdminServices;
  log: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
  /** Defaults suit operators; tests shorten them. */
  handshakeTimeoutMs?: number;
  idleTimeoutMs?: number;
  maxConnections?: number;
}

export interface ControlServer {
  ip: string;
  port: number;
  close(): Promise<void>;
}

const PRE_AUTH_MAX_FRAME = 4 * 1024;
const POST_AUTH_MAX_FRAME = 1024 * 1024;

export async function startControlServer(opts: ControlServerOptions): Promise<ControlServer> {
  const ip = await resolveNodeHost(opts.host);
  const sockets = new Set<Socket>();
  const maxConnections = opts.maxConnections ?? 64;
  const server = createServer({ noDelay: true }, (socket) => {
    if (sockets.size >= maxConnections) {
      opts.log.warn({ what: 'control_connection_limit', peer: socket.remoteAddress });
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveConnection(socket, opts).catch((err: unknown) => {
      opts.log.error({ what: 'control_connection_failed', err });
      socket.destroy();
    });
  });
  // Accept errors (EMFILE) must not kill the node; libuv keeps listening after them.
  server.on('error', (err) => opts.log.warn({ what: 'control_server_error', err }));
  const port = await listenInRange(server, ip, opts.portMin, opts.portMax);
  opts.log.info({ what: 'control_listening', ip, port });
  return {
    ip,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.end();
      }),
  };
}

/** Listens on the first free port of [min, max], like Erlang's inet_dist_listen_min/max. */
async function listenInRange(
  server: Server,
  ip: string,
  min: number,
  max: number,
): Promise<number> {
  for (let port = min; port <= max; port++) {
    const outcome = await new Promise<'ok' | 'busy'>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        server.off('listening', onListening);
        if (err.code === 'EADDRINUSE' || err.code === 'EACCES') resolve('busy');
        else reject(err);
      };
      const onListening = () => {
        server.off('error', onError);
        resolve('ok');
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen({ host: ip, port, exclusive: true });
    });
    if (outcome === 'ok') return port;
  }
  throw new Error(`no free control port in ${min}..${max} on ${ip}`);
}

async function serveConnection(socket: Socket, opts: ControlServerOptions): Promise<void> {
  const peer = `${socket.remoteAddress}:${socket.remotePort}`;
  const conn = new FramedSocket(socket, PRE_AUTH_MAX_FRAME);
  const handshakeMs = opts.handshakeTimeoutMs ?? 10_000;
  const refuse = (reason: string) => {
    opts.log.warn({ what: 'control_auth_failed', peer, reason });
    conn.send({ type: 'refused', reason });
    conn.close();
  };
  let hello: unknown;
  try {
    hello = await conn.next(handshakeMs);
  } catch (err) {
    opts.log.debug({ what: 'control_handshake_aborted', peer, reason: String(err) });
    return conn.close();
  }
  if (!isObject(hello) || hello.type !== 'hello' || !isNonce(hello.nonce)) {
    return refuse('malformed hello');
  }
  if (hello.version !== PROTOCOL_VERSION) return refuse(`unsupported version ${hello.version}`);
  const serverNonce = newNonce();
  conn.send({
    type: 'challenge',
    version: PROTOCOL_VERSION,
    node: opts.nodeName,
    nonce: serverNonce,
  });
  let auth: unknown;
  try {
    auth = await conn.next(handshakeMs);
  } catch (err) {
    opts.log.debug({ what: 'control_handshake_aborted', peer, reason: String(err) });
    return conn.close();
  }
  const expected = proof(opts.cookie, hello.nonce, serverNonce, 'client', opts.nodeName);
  if (!isObject(auth) || auth.type !== 'auth' || !proofMatches(expected, auth.proof)) {
    return refuse('wrong cookie');
  }
  conn.send({
    type: 'welcome',
    proof: proof(opts.cookie, hello.nonce, serverNonce, 'server', opts.nodeName),
  });
  conn.maxFrame = POST_AUTH_MAX_FRAME;
  await serveCalls(conn, opts, peer);
}

async function serveCalls(conn: FramedSocket, opts: ControlServerOptions, peer: string) {
  const idleMs = opts.idleTimeoutMs ?? 300_000;
  for (;;) {
    let frame: unknown;
    try {
      frame = await conn.next(idleMs);
    } catch {
      return conn.close();
    }
    if (!isObject(frame) || frame.type !== 'call' || typeof frame.id !== 'number') {
      opts.log.warn({ what: 'control_bad_frame', peer });
      return conn.close();
    }
    conn.send(await answer(frame as unknown as Call, opts, peer));
  }
}

async function answer(call: Call, opts: ControlServerOptions, peer: string) {
  const def = typeof call.command === 'string' ? opts.registry.get(call.command) : undefined;
  const fail = (kind: CallError['kind'], message: string): CallError => ({
    type: 'error',
    id: call.id,
    kind,
    message,
  });
  if (!def) return fail('unknown_command', `Unknown command '${String(call.command)}'`);
  const flags = isObject(call.flags) ? (call.flags as Call['flags']) : {};
  try {
    const out = await runCommand(def, opts.services, call.args, flags);
    if (!def.readOnly) opts.log.info({ what: 'admin_command', command: def.name, peer });
    const result: CallResult = {
      type: 'result',
      id: call.id,
      text: out.text,
      json: out.json,
      exitCode: out.exitCode ?? 0,
    };
    return result;
  } catch (err) {
    if (err instanceof UsageError) return fail('usage', err.message);
    if (err instanceof CommandError) return fail('command', err.message);
    opts.log.error({ what: 'admin_command_failed', command: def.name, peer, err });
    return fail('internal', `internal error in '${def.name}': ${(err as Error).message}`);
  }
}

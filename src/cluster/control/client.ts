import { connect } from 'node:net';
import { FramedSocket } from './framed-socket.ts';
import {
  type CallError,
  type CallResult,
  isNonce,
  isObject,
  newNonce,
  PROTOCOL_VERSION,
  proof,
  proofMatches,
} from './handshake.ts';
import { parseNodeName, resolveNodeHost } from './node-name.ts';

export type CallOutcome = CallResult | CallError;

export interface ControlConnection {
  nodeName: string;
  ip: string;
  port: number;
  call(
    command: string,
    args: string[],
    flags?: Record<string, string | boolean>,
  ): Promise<CallOutcome>;
  close(): void;
}

export interface ConnectOptions {
  portMin: number;
  portMax: number;
  /** Bound on each connect, handshake step and call. */
  timeoutMs: number;
}

/** The node could not be reached or authenticated; `message` is the REASON operators see. */
export class ConnectError extends Error {
  override readonly name = 'ConnectError';
}

const MAX_ANSWER = 64 * 1024 * 1024;

/**
 * Finds the node by trying every port of its range on the address its host part resolves to,
 * keeping the first one whose handshake names the node we look for (no port-mapper daemon).
 */
export async function connectToNode(
  nodeName: string,
  cookie: string,
  opts: ConnectOptions,
): Promise<ControlConnection> {
  const { host } = parseNodeName(nodeName);
  let ip: string;
  try {
    ip = await resolveNodeHost(host);
  } catch (err) {
    throw new ConnectError(`cannot resolve host '${host}': ${(err as Error).message}`);
  }
  const others: string[] = [];
  let lastReason = 'no port to try';
  for (let port = opts.portMin; port <= opts.portMax; port++) {
    const attempt = await tryPort(nodeName, cookie, ip, port, opts.timeoutMs);
    if (attempt.kind === 'connected') return attempt.connection;
    if (attempt.kind === 'fatal') throw new ConnectError(attempt.reason);
    if (attempt.kind === 'other-node') others.push(`${attempt.node} on port ${port}`);
    else lastReason = attempt.reason;
  }
  const range = `${ip} ports ${opts.portMin}..${opts.portMax}`;
  if (others.length > 0)
    throw new ConnectError(`not found on ${range} (found ${others.join(', ')})`);
  throw new ConnectError(`no node answers on ${range} (${lastReason})`);
}

type Attempt =
  | { kind: 'connected'; connection: ControlConnection }
  | { kind: 'other-node'; node: string }
  | { kind: 'unreachable'; reason: string }
  | { kind: 'fatal'; reason: string };

async function tryPort(
  nodeName: string,
  cookie: string,
  ip: string,
  port: number,
  timeoutMs: number,
): Promise<Attempt> {
  const socket = connect({ host: ip, port, noDelay: true, timeout: timeoutMs });
  const conn = new FramedSocket(socket, 4096);
  socket.on('timeout', () => socket.destroy(new Error(`timed out after ${timeoutMs} ms`)));
  try {
    const clientNonce = newNonce();
    conn.send({ type: 'hello', version: PROTOCOL_VERSION, node: nodeName, nonce: clientNonce });
    const challenge = await conn.next(timeoutMs);
    if (!isObject(challenge) || challenge.type !== 'challenge' || !isNonce(challenge.nonce)) {
      conn.close();
      return { kind: 'unreachable', reason: `port ${port} does not speak the control protocol` };
    }
    if (challenge.node !== nodeName) {
      conn.close();
      return { kind: 'other-node', node: String(challenge.node) };
    }
    const p = proof(cookie, clientNonce, challenge.nonce, 'client', nodeName);
    conn.send({ type: 'auth', proof: p });
    const answer = await conn.next(timeoutMs);
    if (isObject(answer) && answer.type === 'refused') {
      conn.close();
      return { kind: 'fatal', reason: `the node refused the connection: ${String(answer.reason)}` };
    }
    const expected = proof(cookie, clientNonce, challenge.nonce, 'server', nodeName);
    if (!isObject(answer) || answer.type !== 'welcome' || !proofMatches(expected, answer.proof)) {
      conn.close();
      return { kind: 'fatal', reason: `the process on port ${port} could not prove the cookie` };
    }
    socket.setTimeout(0);
    conn.maxFrame = MAX_ANSWER;
    return { kind: 'connected', connection: makeConnection(conn, nodeName, ip, port, timeoutMs) };
  } catch (err) {
    socket.destroy();
    const code = (err as NodeJS.ErrnoException).code;
    return {
      kind: 'unreachable',
      reason: code === 'ECONNREFUSED' ? 'connection refused' : (err as Error).message,
    };
  }
}

function makeConnection(
  conn: FramedSocket,
  nodeName: string,
  ip: string,
  port: number,
  timeoutMs: number,
): ControlConnection {
  let nextId = 1;
  let busy = Promise.resolve();
  return {
    nodeName,
    ip,
    port,
    call(command, args, flags = {}) {
      const id = nextId++;
      // One call at a time: the server answers in order and the reader has one waiter.
      const run = busy.then(async () => {
        conn.send({ type: 'call', id, command, args, flags });
        const reply = await conn.next(timeoutMs);
        if (
          !isObject(reply) ||
          reply.id !== id ||
          (reply.type !== 'result' && reply.type !== 'error')
        ) {
          throw new ConnectError('unexpected answer from the node');
        }
        return reply as unknown as CallOutcome;
      });
      busy = run.then(
        () => undefined,
        () => undefined,
      );
      return run;
    },
    close: () => conn.close(),
  };
}

import type { Socket } from 'node:net';
import type { Logger } from '../observability/logger.ts';
import { parseProxyHeader } from './proxy-protocol.ts';
import { normalizeIp, type ProxyTrust } from './trusted-proxies.ts';

export interface ProxyReadOptions {
  trust: ProxyTrust;
  log: Pick<Logger, 'warn'>;
  /** Listener kind for the log line ('c2s', 'http'). */
  kind: string;
  /** The whole header must arrive within this time. Default 5000 ms. */
  timeoutMs?: number;
  /** Largest header accepted (v2 addresses + TLVs). Default 4096 bytes. */
  maxBytes?: number;
}

export const DEFAULT_PROXY_TIMEOUT_MS = 5000;

/**
 * Reads the PROXY protocol header that a listener with `proxy_protocol = true` expects before
 * anything else. Resolves the client's address (the header's source, or the peer itself for
 * v1 UNKNOWN / v2 LOCAL, e.g. the proxy's health checks). Refused — the socket destroyed,
 * `proxy_header_refused` logged, undefined resolved — when the peer is not a trusted proxy
 * (anyone could claim any address otherwise), the header is malformed, too large or late.
 *
 * The socket is left paused with the bytes that followed the header pushed back into it: a
 * TLSSocket wrapped around it reads them itself; a plain reader must call `socket.resume()`
 * after attaching its 'data' listener.
 */
export function readProxyHeader(socket: Socket, o: ProxyReadOptions): Promise<string | undefined> {
  const peer = normalizeIp(socket.remoteAddress ?? '');
  const maxBytes = o.maxBytes ?? 4096;
  const refused = (reason: string) => {
    o.log.warn({ what: 'proxy_header_refused', kind: o.kind, peer, reason });
    socket.destroy();
    return undefined;
  };
  if (!o.trust.trusts(peer)) return Promise.resolve(refused('untrusted_peer'));
  return new Promise((resolve) => {
    const refuse = (reason: string) => {
      finish();
      resolve(refused(reason));
    };
    let buf: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      const r = parseProxyHeader(buf, maxBytes);
      if (r.status === 'invalid') return refuse(r.reason);
      if (r.status === 'incomplete') {
        if (buf.length >= maxBytes) refuse('header too large');
        return;
      }
      // Pause before detaching: a flowing stream without 'data' listeners drops chunks.
      socket.pause();
      finish();
      if (buf.length > r.length) socket.unshift(buf.subarray(r.length));
      resolve(r.header.source ? r.header.source.ip : peer);
    };
    const onClose = () => {
      finish();
      resolve(undefined);
    };
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.removeListener('close', onClose);
    };
    timer = setTimeout(() => refuse('timeout'), o.timeoutMs ?? DEFAULT_PROXY_TIMEOUT_MS);
    socket.on('data', onData);
    socket.once('close', onClose);
    // Resets before the header are the peer's business; they end in 'close'.
    socket.on('error', () => {});
  });
}

import { isIPv4, isIPv6 } from 'node:net';

/**
 * The HAProxy PROXY protocol, versions 1 (text) and 2 (binary), as specified in
 * https://www.haproxy.org/download/2.6/doc/proxy-protocol.txt ("the spec" below).
 * A proxy sends one header before any byte of the proxied connection; it tells us the
 * address of the client the proxy accepted.
 */
export interface ProxyHeader {
  version: 1 | 2;
  /**
   * The client's address, or undefined when the header carries none the receiver must use
   * (v1 UNKNOWN, v2 LOCAL, v2 UNSPEC or UNIX): then the connection's own peer is the client
   * (spec §2.1, §2.2: "the receiver must use the real connection endpoints").
   */
  source?: { ip: string; port: number };
  destination?: { ip: string; port: number };
}

export type ProxyParse =
  | { status: 'incomplete' }
  | { status: 'invalid'; reason: string }
  | { status: 'done'; header: ProxyHeader; length: number };

/** Spec §2.2: the 12-byte v2 signature. */
export const V2_SIGNATURE = Buffer.from([
  0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
]);
const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
/** Spec §2.1: a v1 line is at most 107 bytes including CRLF. */
const V1_MAX = 107;
/** 16 fixed bytes, then `len` bytes of addresses and TLVs. */
const V2_FIXED = 16;

const INCOMPLETE: ProxyParse = { status: 'incomplete' };
const invalid = (reason: string): ProxyParse => ({ status: 'invalid', reason });

/**
 * Parses the header at the start of `buf` (the bytes read so far). `maxBytes` bounds a v2
 * header (addresses + TLVs); a header announcing more is refused before it is read.
 * Anything after `length` bytes belongs to the proxied stream.
 */
export function parseProxyHeader(buf: Buffer, maxBytes = 4096): ProxyParse {
  if (startsLike(buf, V2_SIGNATURE)) {
    return buf.length < V2_SIGNATURE.length ? INCOMPLETE : parseV2(buf, maxBytes);
  }
  if (startsLike(buf, V1_PREFIX)) {
    return buf.length < V1_PREFIX.length ? INCOMPLETE : parseV1(buf);
  }
  return invalid('not a PROXY protocol header');
}

/** Whether `buf` and `prefix` agree on their common length (a short buffer may still match). */
function startsLike(buf: Buffer, prefix: Buffer): boolean {
  const n = Math.min(buf.length, prefix.length);
  return buf.subarray(0, n).equals(prefix.subarray(0, n));
}

function parseV1(buf: Buffer): ProxyParse {
  const end = buf.indexOf('\r\n', 0, 'latin1');
  if (end === -1) return buf.length >= V1_MAX ? invalid('v1 line too long') : INCOMPLETE;
  const length = end + 2;
  if (length > V1_MAX) return invalid('v1 line too long');
  const parts = buf.toString('latin1', V1_PREFIX.length, end).split(' ');
  const proto = parts[0];
  // Spec §2.1: with UNKNOWN the rest of the line is ignored and the real endpoints are used.
  if (proto === 'UNKNOWN') return { status: 'done', header: { version: 1 }, length };
  if (proto !== 'TCP4' && proto !== 'TCP6') return invalid(`v1 protocol ${proto}`);
  if (parts.length !== 5) return invalid('v1 needs 4 address fields');
  const [, src = '', dst = '', sport = '', dport = ''] = parts;
  const isFamily = proto === 'TCP4' ? isIPv4 : isIPv6;
  if (!isFamily(src) || !isFamily(dst)) return invalid(`v1 addresses are not ${proto}`);
  const sp = v1Port(sport);
  const dp = v1Port(dport);
  if (sp === undefined || dp === undefined) return invalid('v1 port');
  return {
    status: 'done',
    header: {
      version: 1,
      source: { ip: unmapV4(src), port: sp },
      destination: { ip: unmapV4(dst), port: dp },
    },
    length,
  };
}

/** Spec §2.1: decimal 0..65535 without leading zeros. */
function v1Port(s: string): number | undefined {
  if (!/^(0|[1-9][0-9]{0,4})$/.test(s)) return undefined;
  const n = Number(s);
  return n <= 65535 ? n : undefined;
}

function parseV2(buf: Buffer, maxBytes: number): ProxyParse {
  if (buf.length < V2_FIXED) return INCOMPLETE;
  const verCmd = buf[12]!;
  // Spec §2.2: the high nibble is the version (2); other values must be dropped.
  if (verCmd >> 4 !== 2) return invalid(`v2 version ${verCmd >> 4}`);
  const command = verCmd & 0x0f;
  if (command > 1) return invalid(`v2 command ${command}`);
  const famProto = buf[13]!;
  const len = buf.readUInt16BE(14);
  if (V2_FIXED + len > maxBytes) return invalid(`v2 header of ${V2_FIXED + len} bytes`);
  const length = V2_FIXED + len;
  if (buf.length < length) return INCOMPLETE;
  // LOCAL: the proxy's own connection (health checks); the address block is skipped.
  if (command === 0) return { status: 'done', header: { version: 2 }, length };
  const family = famProto >> 4;
  const block = buf.subarray(V2_FIXED, length);
  // The remainder after the addresses is TLVs (spec §2.2.7): nothing we need, skipped whole.
  if (family === 0x1) {
    if (len < 12) return invalid('v2 INET block too short');
    return addresses(length, ip4(block, 0), ip4(block, 4), block.readUInt16BE(8), block, 10);
  }
  if (family === 0x2) {
    if (len < 36) return invalid('v2 INET6 block too short');
    return addresses(length, ip6(block, 0), ip6(block, 16), block.readUInt16BE(32), block, 34);
  }
  if (family === 0x0 || family === 0x3) {
    // UNSPEC or UNIX: no IP address to believe; the real endpoints stand.
    return { status: 'done', header: { version: 2 }, length };
  }
  return invalid(`v2 address family ${family}`);
}

function addresses(
  length: number,
  src: string,
  dst: string,
  sport: number,
  block: Buffer,
  dportAt: number,
): ProxyParse {
  return {
    status: 'done',
    header: {
      version: 2,
      source: { ip: src, port: sport },
      destination: { ip: dst, port: block.readUInt16BE(dportAt) },
    },
    length,
  };
}

function ip4(b: Buffer, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

function ip6(b: Buffer, at: number): string {
  const groups: string[] = [];
  for (let i = 0; i < 8; i++) groups.push(b.readUInt16BE(at + 2 * i).toString(16));
  return unmapV4(compressV6(groups));
}

/** RFC 5952 §4.2: the longest run (2+) of zero groups becomes `::`. */
function compressV6(groups: string[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best === -1) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/** `::ffff:1.2.3.4` / `::ffff:102:304` (IPv4-mapped) → `1.2.3.4`, as our own sockets report. */
function unmapV4(ip: string): string {
  const lower = ip.toLowerCase();
  if (!lower.startsWith('::ffff:')) return ip;
  const rest = lower.slice(7);
  if (isIPv4(rest)) return rest;
  const m = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(rest);
  if (!m) return ip;
  const hi = Number.parseInt(m[1]!, 16);
  const lo = Number.parseInt(m[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

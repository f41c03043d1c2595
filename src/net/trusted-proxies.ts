import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** Addresses allowed to tell us the real client address (PROXY header, X-Forwarded-For). */
export interface ProxyTrust {
  trusts(ip: string): boolean;
}

/** Builds a matcher from `trusted_proxies` entries: addresses or CIDR ranges, v4 or v6. */
export function proxyTrust(entries: readonly string[]): ProxyTrust {
  if (entries.length === 0) return { trusts: () => false };
  const list = new BlockList();
  for (const entry of entries) {
    const [addr = '', bits] = entry.split('/');
    const type = isIPv4(addr) ? 'ipv4' : isIPv6(addr) ? 'ipv6' : undefined;
    if (!type) throw new Error(`trusted_proxies: ${entry} is not an IP address or range`);
    if (bits === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, Number(bits), type);
  }
  return {
    trusts(ip) {
      const v = normalizeIp(ip);
      if (isIPv4(v)) return list.check(v, 'ipv4');
      return isIPv6(v) && list.check(v, 'ipv6');
    },
  };
}

/** `::ffff:1.2.3.4` (an IPv4 peer on a dual-stack socket) → `1.2.3.4`. */
export function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
}

/** At most this many X-Forwarded-For hops are examined: the header is client input. */
const MAX_HOPS = 16;

/**
 * The client address of an HTTP request. X-Forwarded-For is believed only when the peer is a
 * trusted proxy, and only as far as the chain stays trusted: walking from the right (the hop
 * nearest to us), the first address that is not a trusted proxy is the client. A forged
 * left part of the header from the client itself is never reached.
 */
export function clientAddress(
  peer: string,
  forwardedFor: string | string[] | undefined,
  trust: ProxyTrust,
): string {
  let ip = normalizeIp(peer);
  if (forwardedFor === undefined || !trust.trusts(ip)) return ip;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .slice(-MAX_HOPS);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normalizeIp(stripPort(hops[i]!.trim()));
    if (!isIPv4(hop) && !isIPv6(hop)) return ip;
    ip = hop;
    if (!trust.trusts(hop)) return hop;
  }
  return ip;
}

/** `[::1]:1234` → `::1`; `1.2.3.4:5` → `1.2.3.4` (some proxies append the port). */
function stripPort(hop: string): string {
  if (hop.startsWith('[')) {
    const end = hop.indexOf(']');
    return end > 0 ? hop.slice(1, end) : hop;
  }
  const colon = hop.indexOf(':');
  return colon > 0 && hop.indexOf(':', colon + 1) === -1 ? hop.slice(0, colon) : hop;
}

/** Whether the request reached the client side over TLS: ours, or a trusted proxy's. */
export function isForwardedSecure(
  peer: string,
  forwardedProto: string | string[] | undefined,
  trust: ProxyTrust,
): boolean {
  if (forwardedProto === undefined || !trust.trusts(peer)) return false;
  const v = Array.isArray(forwardedProto) ? forwardedProto[0] : forwardedProto;
  // With several proxies the first value is the client-facing one.
  return v?.split(',')[0]?.trim().toLowerCase() === 'https';
}

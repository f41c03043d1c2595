import { BlockList, isIP } from 'node:net';

/** Parses `ip_access` entries ("10.0.0.0/8", "::1"); returns the offending entry on error. */
export function buildIpAccess(entries: readonly string[]): BlockList | string {
  const list = new BlockList();
  for (const entry of entries) {
    const [addr = '', bits, extra] = entry.split('/');
    const family = isIP(addr);
    if (family === 0 || extra !== undefined) return entry;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) {
      list.addAddress(addr, type);
      continue;
    }
    const prefix = /^\d{1,3}$/.test(bits) ? Number(bits) : Number.NaN;
    if (!(prefix >= 0 && prefix <= (family === 4 ? 32 : 128))) return entry;
    list.addSubnet(addr, prefix, type);
  }
  return list;
}

/** Whether `ip` is in the list; IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) count as IPv4. */
export function ipAllowed(list: BlockList, ip: string): boolean {
  const v4 = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  const family = isIP(v4);
  if (family === 0) return false;
  return list.check(v4, family === 4 ? 'ipv4' : 'ipv6');
}

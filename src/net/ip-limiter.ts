/**
 * The per-IP connection cap of a listener (ARCHITECTURE.md §8, `max_connections_per_ip`): one
 * address cannot take the whole of max_connections. Callers key it by the REAL client address
 * (the PROXY header's source, or X-Forwarded-For from a trusted proxy), never by a proxy's.
 */

/** Gives the connection's slot back; calling it again does nothing. */
export type IpRelease = () => void;

export class IpLimiter {
  /**
   * Open connections by address. An entry exists only while its count is > 0, so the map never
   * holds more entries than open connections: it is bounded by the listener's max_connections,
   * which callers check first.
   */
  private readonly open = new Map<string, number>();

  constructor(readonly maxPerIp: number) {
    if (!(maxPerIp >= 1)) throw new RangeError('maxPerIp must be >= 1');
  }

  /** Takes a slot for `ip`; undefined when the address already holds maxPerIp connections. */
  acquire(ip: string): IpRelease | undefined {
    const n = this.open.get(ip) ?? 0;
    if (n >= this.maxPerIp) return undefined;
    this.open.set(ip, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(ip) ?? 1) - 1;
      if (left <= 0) this.open.delete(ip);
      else this.open.set(ip, left);
    };
  }

  count(ip: string): number {
    return this.open.get(ip) ?? 0;
  }

  /** Addresses with at least one open connection. */
  get size(): number {
    return this.open.size;
  }
}

export interface RefusalLog {
  warn(obj: object, msg?: string): void;
}

/**
 * Logs `ip_limit_reached` at most once per interval, with how many refusals it stood for: a
 * client hammering the listener must not turn into a log flood.
 */
export function ipLimitLogger(
  log: RefusalLog,
  kind: string,
  maxPerIp: number,
  intervalMs = 10_000,
  now: () => number = () => performance.now(),
): (ip: string) => void {
  let last = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return (ip) => {
    const t = now();
    if (t - last < intervalMs) {
      suppressed++;
      return;
    }
    last = t;
    log.warn(
      { what: 'ip_limit_reached', kind, ip, max_connections_per_ip: maxPerIp, suppressed },
      'connection refused: too many connections from this address',
    );
    suppressed = 0;
  };
}

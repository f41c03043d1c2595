/**
 * One registration per IP address per `intervalMs` (ejabberd's registration_timeout). Entries
 * are kept in insertion order, which is time order, so expired ones leave from the front; past
 * `capacity` the oldest go too (the map cannot grow with input).
 */
export class IpThrottle {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly intervalMs: number,
    private readonly capacity = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Claims the address's slot: false if it registered less than the interval ago. */
  tryReserve(ip: string): boolean {
    if (this.intervalMs <= 0) return true;
    const t = this.now();
    this.prune(t);
    const prev = this.last.get(ip);
    if (prev !== undefined && t - prev < this.intervalMs) return false;
    this.last.delete(ip);
    this.last.set(ip, t);
    while (this.last.size > this.capacity) {
      const oldest = this.last.keys().next();
      if (oldest.done) break;
      this.last.delete(oldest.value);
    }
    return true;
  }

  /** Gives the slot back (the registration failed, e.g. a taken username). */
  release(ip: string): void {
    this.last.delete(ip);
  }

  get size(): number {
    return this.last.size;
  }

  private prune(t: number): void {
    for (const [ip, at] of this.last) {
      if (t - at < this.intervalMs) break;
      this.last.delete(ip);
    }
  }
}

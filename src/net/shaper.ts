/**
 * Read-side traffic shaping (ARCHITECTURE.md §8, `[shaper.NAME] max_rate`), in the manner of
 * ejabberd's and MongooseIM's shapers: a connection that reads faster than its rate is paused
 * for as long as it takes to pay the excess back, then resumed. Nothing is dropped: the bytes
 * stay in the kernel's receive buffer and TCP flow control slows the sender down.
 */

/**
 * A token bucket counting bytes. It holds at most `burst` bytes of credit (one second of
 * `rate` by default, as ejabberd does) and refills at `rate` bytes per second. Taking more
 * than the credit is allowed (a chunk already read cannot be refused) and leaves a debt;
 * take() then answers how long the reader must wait for the debt to be repaid.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  readonly rate: number;
  readonly burst: number;

  constructor(rate: number, opts: { burst?: number; now?: number } = {}) {
    if (!(rate > 0)) throw new RangeError('rate must be > 0');
    this.rate = rate;
    this.burst = opts.burst ?? rate;
    this.tokens = this.burst;
    this.last = opts.now ?? monotonicMs();
  }

  /** Spends `bytes`; returns the milliseconds to wait before reading again (0: go on). */
  take(bytes: number, now: number = monotonicMs()): number {
    this.refill(now);
    this.tokens -= bytes;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.rate);
  }

  /** Credit now (negative: a debt). */
  available(now: number = monotonicMs()): number {
    this.refill(now);
    return this.tokens;
  }

  private refill(now: number): void {
    // A clock that goes backwards (it should not: callers use a monotonic one) refills nothing.
    const elapsed = Math.max(0, now - this.last);
    this.last = Math.max(this.last, now);
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.rate) / 1000);
  }
}

/** Something that can stop and restart delivering input: a socket, a WebSocket. */
export interface Pausable {
  pause(): unknown;
  resume(): unknown;
}

/**
 * Several independent reasons to hold a connection's input (the session's back-pressure, the
 * shaper): input flows only when none holds it. Without this, the shaper's timer would resume a
 * socket that the session paused because its queue is full, or the reverse.
 */
export class PauseGate {
  private readonly holds = new Set<string>();

  constructor(private target: Pausable) {}

  /** The target changed (STARTTLS wraps the socket): the new one inherits the holds. */
  retarget(target: Pausable): void {
    this.target = target;
    if (this.holds.size > 0) target.pause();
  }

  hold(reason: string): void {
    if (this.holds.has(reason)) return;
    this.holds.add(reason);
    if (this.holds.size === 1) this.target.pause();
  }

  release(reason: string): void {
    if (!this.holds.delete(reason)) return;
    if (this.holds.size === 0) this.target.resume();
  }

  get held(): boolean {
    return this.holds.size > 0;
  }
}

/**
 * One connection's shaper. Each chunk read is paid for before it is delivered: a chunk the
 * bucket has credit for goes through at once; otherwise input is paused (the gate), the chunk
 * waits until its debt is repaid, then is delivered and input resumes. So by any time t the
 * connection has delivered at most `burst + rate × t` bytes, the last chunk included.
 *
 * Chunks waiting are the ones the transport emitted before its pause took effect: one socket
 * chunk, or the WebSocket messages parsed from one; they keep their order. The timer is
 * unref'd (a shaped connection never keeps the process alive) and cleared by stop(), which the
 * transport calls when the connection closes.
 */
export class ReadShaper {
  private timer: NodeJS.Timeout | undefined;
  private readonly waiting: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly bucket: TokenBucket,
    private readonly gate: PauseGate,
    private readonly now: () => number = monotonicMs,
  ) {}

  /** Pays for `bytes`, then calls `deliver` (now, or once the debt is repaid). */
  push(bytes: number, deliver: () => void): void {
    if (this.stopped) return;
    const wait = this.bucket.take(bytes, this.now());
    if (wait === 0 && this.waiting.length === 0) {
      deliver();
      return;
    }
    this.waiting.push(deliver);
    if (this.timer) return;
    this.gate.hold('shaper');
    this.schedule(wait);
  }

  /** Chunks read but not yet delivered. */
  get pending(): number {
    return this.waiting.length;
  }

  private schedule(wait: number): void {
    this.timer = setTimeout(() => this.wake(), wait);
    this.timer.unref();
  }

  private wake(): void {
    this.timer = undefined;
    if (this.stopped) return;
    // Chunks counted while the timer ran may have deepened the debt: wait for them too.
    const wait = this.bucket.take(0, this.now());
    if (wait > 0) {
      this.schedule(wait);
      return;
    }
    for (const deliver of this.waiting.splice(0)) {
      if (this.stopped) return;
      deliver();
    }
    this.gate.release('shaper');
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.waiting.length = 0;
  }
}

/** Milliseconds from a monotonic clock: wall-clock jumps neither stall nor free a connection. */
export function monotonicMs(): number {
  return performance.now();
}

/** A shaper for a `[shaper.NAME]` table's `max_rate`, or undefined when none applies. */
export function makeReadShaper(
  maxRate: number | undefined,
  gate: PauseGate,
): ReadShaper | undefined {
  if (maxRate === undefined) return undefined;
  return new ReadShaper(new TokenBucket(maxRate), gate);
}

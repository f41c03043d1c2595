import type { StanzaObserver, StreamControl } from '../../c2s/stream-control.ts';
import { StreamError } from '../../errors/index.ts';
import { type Element, NS_SM } from '../../xml/index.ts';
import { AckQueue } from './ack-queue.ts';
import { ack, ackRequest, failed, H_MODULO, HandledCountTooHigh, parseH } from './sm-elements.ts';

/**
 * How long an over-full buffer may stay over `buffer_max` before the stream is closed: the client
 * may be acknowledging right now (a burst of deliveries outruns its `<a/>`).
 */
const OVERFLOW_GRACE_MS = 1000;

export interface SmOptions {
  bufferMax: number;
  ackFreq: number;
}

/** What a stream reports to the module that keeps resumable streams. */
export interface SmStreamOwner {
  /** Connection lost: true keeps the session waiting for a resumption. */
  lost(sm: SmStream): boolean;
  /** The session ended for good with these stanzas unacknowledged. */
  ended(sm: SmStream, unacked: Element[]): Promise<void>;
}

/** XEP-0198 state of one session after `<enable/>`: both counters and the unacked queue. */
export class SmStream implements StanzaObserver {
  /** Stanzas handled from the client, mod 2^32 (XEP-0198 §4 'h'). */
  inbound = 0;
  readonly out = new AckQueue();
  private sinceRequest = 0;
  private requestPending = false;
  private overflowTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly control: StreamControl,
    /** SM-ID for resumption; undefined when the stream is not resumable. */
    readonly id: string | undefined,
    /** Seconds a detached session waits for `<resume/>`. */
    readonly timeoutSec: number,
    private readonly opts: SmOptions,
    private readonly owner: SmStreamOwner,
  ) {}

  received(): void {
    this.inbound = (this.inbound + 1) % H_MODULO;
  }

  sent(stanza: Element): void {
    this.out.push(stanza);
    if (this.out.length > this.opts.bufferMax) this.overflowed();
    if (this.control.detached || this.control.closed) return;
    if (++this.sinceRequest >= this.opts.ackFreq && !this.requestPending) {
      // One <r/> after the stanzas written in the same synchronous run, and in the same write
      // as them: a later one could land in a BOSH terminate body that some clients mishandle.
      this.requestPending = true;
      queueMicrotask(this.requestAck);
    }
  }

  private readonly requestAck = (): void => {
    this.requestPending = false;
    if (this.control.detached || this.control.closed) return;
    this.sinceRequest = 0;
    this.control.sendNonza(ackRequest());
  };

  nonza(el: Element): boolean {
    if (el.ns !== NS_SM) return false;
    switch (el.name) {
      case 'r':
        this.control.sendNonza(ack(this.inbound));
        return true;
      case 'a':
        this.acknowledge(parseH(el.attrs.h));
        return true;
      case 'enable':
      case 'resume':
        // XEP-0198 §3: enabled once per stream; §5: resumption is for a stream not yet bound.
        this.control.sendNonza(failed('unexpected-request'));
        return true;
      default:
        return false;
    }
  }

  /** XEP-0198 §4: the client's `h` drops acknowledged stanzas; too high is a stream error. */
  acknowledge(h: number | undefined): void {
    if (h === undefined) throw new StreamError('undefined-condition', "invalid 'h'");
    if (!this.out.ack(h)) throw new HandledCountTooHigh(h, this.out.sent);
    if (this.overflowTimer && this.out.length <= this.opts.bufferMax) {
      clearTimeout(this.overflowTimer);
      this.overflowTimer = undefined;
    }
  }

  /** After a resumption: what the client has not acknowledged goes out again, then `<r/>`. */
  retransmit(): void {
    for (const stanza of this.out.unacked()) this.control.resend(stanza);
    if (this.out.length > 0) this.control.sendNonza(ackRequest());
  }

  connectionLost(): boolean {
    return this.owner.lost(this);
  }

  async ended(): Promise<void> {
    if (this.overflowTimer) clearTimeout(this.overflowTimer);
    this.overflowTimer = undefined;
    await this.owner.ended(this, this.out.drain());
  }

  /**
   * Over `buffer_max` (MongooseIM's rule): resource-constraint "too many unacked stanzas" unless
   * the client catches up within a grace period; at once when detached or twice over.
   */
  private overflowed(): void {
    const close = () => {
      this.overflowTimer = undefined;
      if (this.out.length <= this.opts.bufferMax) return;
      void this.control.close(new StreamError('resource-constraint', 'too many unacked stanzas'));
    };
    if (this.control.detached || this.out.length > 2 * this.opts.bufferMax) {
      // Not from inside send(): the router may be iterating over this user's sessions.
      if (this.overflowTimer) clearTimeout(this.overflowTimer);
      this.overflowTimer = setTimeout(close, 0);
      return;
    }
    if (this.overflowTimer) return;
    this.overflowTimer = setTimeout(close, OVERFLOW_GRACE_MS);
    this.overflowTimer.unref();
  }
}

import { StreamError } from '../../errors/index.ts';
import { type Element, NS_SM, NS_STANZAS, x } from '../../xml/index.ts';

/** XEP-0198 §4: sequence numbers wrap at 2^32. */
export const H_MODULO = 2 ** 32;

/** `h` as sent by the client: an unsigned 32-bit integer (XEP-0198 §4), else undefined. */
export function parseH(raw: string | undefined): number | undefined {
  if (raw === undefined || !/^[0-9]{1,10}$/.test(raw)) return undefined;
  const h = Number(raw);
  return h < H_MODULO ? h : undefined;
}

/** `<failed/>` with a stanza error condition (XEP-0198 §3, §5). */
export function failed(
  condition: 'unexpected-request' | 'item-not-found' | 'bad-request',
): Element {
  return x('failed', NS_SM, {}, x(condition, NS_STANZAS));
}

export function ack(h: number): Element {
  return x('a', NS_SM, { h: String(h) });
}

export function ackRequest(): Element {
  return x('r', NS_SM);
}

/**
 * XEP-0198 §4: an `<a/>` (or `<resume/>`) acknowledging more stanzas than were sent is answered
 * with an undefined-condition stream error carrying `<handled-count-too-high/>`.
 */
export class HandledCountTooHigh extends StreamError {
  constructor(
    readonly h: number,
    readonly sendCount: number,
  ) {
    super(
      'undefined-condition',
      `You acknowledged ${h} stanzas, but I only sent you ${sendCount} so far.`,
    );
  }

  override toElement(): Element {
    const err = super.toElement();
    err.append(
      x('handled-count-too-high', NS_SM, {
        h: String(this.h),
        'send-count': String(this.sendCount),
      }),
    );
    return err;
  }
}

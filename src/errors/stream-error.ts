import { type Element, NS_STREAM, NS_STREAMS_ERR, x } from '../xml/index.ts';

/** RFC 6120 §4.9.3 defined conditions. */
export type StreamErrorCondition =
  | 'bad-format'
  | 'bad-namespace-prefix'
  | 'conflict'
  | 'connection-timeout'
  | 'host-gone'
  | 'host-unknown'
  | 'improper-addressing'
  | 'internal-server-error'
  | 'invalid-from'
  | 'invalid-namespace'
  | 'invalid-xml'
  | 'not-authorized'
  | 'not-well-formed'
  | 'policy-violation'
  | 'remote-connection-failed'
  | 'reset'
  | 'resource-constraint'
  | 'restricted-xml'
  | 'see-other-host'
  | 'system-shutdown'
  | 'undefined-condition'
  | 'unsupported-encoding'
  | 'unsupported-feature'
  | 'unsupported-stanza-type'
  | 'unsupported-version';

/** A protocol violation: the stream is closed with this error (RFC 6120 §4.9). */
export class StreamError extends Error {
  readonly condition: StreamErrorCondition;
  readonly text: string | undefined;
  /** For see-other-host: the host[:port] to reconnect to (RFC 6120 §4.9.3.19). */
  readonly seeOtherHost: string | undefined;

  constructor(condition: StreamErrorCondition, text?: string, seeOtherHost?: string) {
    super(text ?? condition);
    this.name = 'StreamError';
    this.condition = condition;
    this.text = text;
    this.seeOtherHost = seeOtherHost;
  }

  toElement(): Element {
    const cond = x(this.condition, NS_STREAMS_ERR);
    if (this.seeOtherHost !== undefined) cond.append(this.seeOtherHost);
    const err = x('error', NS_STREAM, {}, cond);
    if (this.text !== undefined)
      err.append(x('text', NS_STREAMS_ERR, { 'xml:lang': 'en' }, this.text));
    return err;
  }
}

import { Element, NS_STANZAS, x } from '../xml/index.ts';

/** RFC 6120 §8.3.3 defined conditions. */
export type StanzaErrorCondition =
  | 'bad-request'
  | 'conflict'
  | 'feature-not-implemented'
  | 'forbidden'
  | 'gone'
  | 'internal-server-error'
  | 'item-not-found'
  | 'jid-malformed'
  | 'not-acceptable'
  | 'not-allowed'
  | 'not-authorized'
  | 'policy-violation'
  | 'recipient-unavailable'
  | 'redirect'
  | 'registration-required'
  | 'remote-server-not-found'
  | 'remote-server-timeout'
  | 'resource-constraint'
  | 'service-unavailable'
  | 'subscription-required'
  | 'undefined-condition'
  | 'unexpected-request';

export type StanzaErrorType = 'auth' | 'cancel' | 'continue' | 'modify' | 'wait';

// RFC 6120 §8.3.3: the type each condition usually carries.
const DEFAULT_TYPE: Record<StanzaErrorCondition, StanzaErrorType> = {
  'bad-request': 'modify',
  conflict: 'cancel',
  'feature-not-implemented': 'cancel',
  forbidden: 'auth',
  gone: 'cancel',
  'internal-server-error': 'cancel',
  'item-not-found': 'cancel',
  'jid-malformed': 'modify',
  'not-acceptable': 'modify',
  'not-allowed': 'cancel',
  'not-authorized': 'auth',
  'policy-violation': 'modify',
  'recipient-unavailable': 'wait',
  redirect: 'modify',
  'registration-required': 'auth',
  'remote-server-not-found': 'cancel',
  'remote-server-timeout': 'wait',
  'resource-constraint': 'wait',
  'service-unavailable': 'cancel',
  'subscription-required': 'auth',
  'undefined-condition': 'cancel',
  'unexpected-request': 'wait',
};

/** Thrown by handlers; only the IQ dispatcher and the router turn it into an error stanza. */
export class StanzaError extends Error {
  readonly condition: StanzaErrorCondition;
  readonly type: StanzaErrorType;
  readonly text: string | undefined;
  /** Application-specific condition element (RFC 6120 §8.3.2), e.g. XEP-0191 <blocked/>. */
  readonly appCondition: Element | undefined;

  constructor(
    condition: StanzaErrorCondition,
    opts: { type?: StanzaErrorType; text?: string; appCondition?: Element } = {},
  ) {
    super(opts.text ?? condition);
    this.name = 'StanzaError';
    this.condition = condition;
    this.type = opts.type ?? DEFAULT_TYPE[condition];
    this.text = opts.text;
    this.appCondition = opts.appCondition;
  }

  /** The <error/> child, in the stanza's namespace. */
  toElement(stanzaNs: string): Element {
    const err = x('error', stanzaNs, { type: this.type }, x(this.condition, NS_STANZAS));
    if (this.text !== undefined) err.append(x('text', NS_STANZAS, { 'xml:lang': 'en' }, this.text));
    if (this.appCondition) err.append(this.appCondition);
    return err;
  }
}

/**
 * Builds the error reply to a stanza (RFC 6120 §8.3.1): swap from/to, keep id and the
 * original payload, set type="error". Callers must never bounce a stanza that is itself an error.
 */
export function errorReply(stanza: Element, error: StanzaError): Element {
  const reply = new Element(stanza.name, stanza.ns, {
    id: stanza.attrs.id,
    from: stanza.attrs.to,
    to: stanza.attrs.from,
    type: 'error',
  });
  // Keep the payload for messages and presence; IQ errors may include it too.
  for (const c of stanza.children) {
    if (typeof c !== 'string' && c.name !== 'error') reply.children.push(c);
  }
  reply.children.push(error.toElement(stanza.ns));
  return reply;
}

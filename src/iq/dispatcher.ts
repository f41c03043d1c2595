import { errorReply, StanzaError } from '../errors/index.ts';
import type { SessionRef } from '../hooks/index.ts';
import type { Jid } from '../jid/index.ts';
import type { Logger } from '../observability/logger.ts';
import { Element } from '../xml/index.ts';

/**
 * Who an IQ is addressed to: the server itself (`to` = a hosted domain) or an account's bare JID
 * (RFC 6120 §10.3.3 / RFC 6121 §8.5.2.1.3: the server answers on the user's behalf).
 */
export type IqTarget = 'server' | 'user';

export interface IqRequest {
  stanza: Element;
  type: 'get' | 'set';
  payload: Element;
  from: Jid;
  to: Jid;
  /** The sending session when the request came from a local client. */
  session: SessionRef | undefined;
}

/** Returns the payload of the result (or nothing for an empty result); throws StanzaError. */
export type IqHandler = (req: IqRequest) => Promise<Element | undefined> | Element | undefined;

export interface IqRegistration {
  target: IqTarget;
  ns: string;
  handler: IqHandler;
}

export class IqDispatcher {
  private readonly handlers = new Map<string, IqHandler>();

  constructor(private readonly log: Logger) {}

  register(reg: IqRegistration): () => void {
    const key = `${reg.target} ${reg.ns}`;
    if (this.handlers.has(key)) throw new Error(`IQ handler for ${key} registered twice`);
    this.handlers.set(key, reg.handler);
    return () => {
      if (this.handlers.get(key) === reg.handler) this.handlers.delete(key);
    };
  }

  has(target: IqTarget, ns: string): boolean {
    return this.handlers.has(`${target} ${ns}`);
  }

  /** Namespaces handled for a target: disco#info lists them as features. */
  namespaces(target: IqTarget): string[] {
    const out: string[] = [];
    for (const key of this.handlers.keys()) {
      const [t, ns] = key.split(' ', 2);
      if (t === target && ns) out.push(ns);
    }
    return out;
  }

  /** Handles a get/set and returns the reply stanza (result or error), `from`/`to` swapped. */
  async dispatch(
    target: IqTarget,
    stanza: Element,
    from: Jid,
    to: Jid,
    session?: SessionRef,
  ): Promise<Element> {
    const type = stanza.attrs.type;
    const payloads = stanza.elements();
    // RFC 6120 §8.2.3: a get/set IQ MUST contain exactly one payload element.
    if ((type !== 'get' && type !== 'set') || payloads.length !== 1) {
      return errorReply(stanza, new StanzaError('bad-request'));
    }
    const payload = payloads[0]!;
    const handler = this.handlers.get(`${target} ${payload.ns}`);
    if (!handler) return errorReply(stanza, new StanzaError('service-unavailable'));
    try {
      const result = await handler({ stanza, type, payload, from, to, session });
      const reply = new Element('iq', stanza.ns, {
        id: stanza.attrs.id,
        type: 'result',
        from: stanza.attrs.to,
        to: stanza.attrs.from,
      });
      if (result) reply.append(result);
      return reply;
    } catch (err) {
      if (err instanceof StanzaError) return errorReply(stanza, err);
      this.log.error({ what: 'iq_handler_failed', ns: payload.ns, err });
      return errorReply(stanza, new StanzaError('internal-server-error'));
    }
  }
}

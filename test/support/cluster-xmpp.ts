import type { Client } from '@xmpp/client';
import type { Element as LtxElement } from '@xmpp/xml';
import { stopXmppJs, xml, xmppJs } from './xmpp-js.ts';

/**
 * An @xmpp/client user connected to one node of a cluster, recording every stanza and every
 * error so tests can wait for a stanza (with a deadline) and assert that nothing went wrong.
 */
export interface ClusterUser {
  jid: string;
  xmpp: Client;
  stanzas: LtxElement[];
  errors: string[];
  /** Resolves with the first stanza (already received or future) matching `pred`. */
  next(pred: (s: LtxElement) => boolean, timeoutMs?: number): Promise<LtxElement>;
  send(el: LtxElement): Promise<void>;
  /** Requests the roster: RFC 6121 §2.2, the resource becomes "interested" in pushes. */
  roster(): Promise<LtxElement>;
  stop(): Promise<void>;
}

export async function connectUser(
  service: string,
  user: string,
  resource: string,
  password = 'pw',
): Promise<ClusterUser> {
  const xmpp = await xmppJs({ service, username: user, password, resource, mechanism: 'PLAIN' });
  const stanzas: LtxElement[] = [];
  const errors: string[] = [];
  const waiters = new Set<(s: LtxElement) => void>();
  xmpp.on('stanza', (s: LtxElement) => {
    if (stanzas.length < 10_000) stanzas.push(s);
    for (const w of [...waiters]) w(s);
  });
  xmpp.on('error', (e: unknown) => {
    const err = e as { condition?: string; message?: string };
    errors.push(err.condition ?? err.message ?? String(e));
  });
  return {
    jid: `${user}@localhost/${resource}`,
    xmpp,
    stanzas,
    errors,
    next(pred, timeoutMs = 15_000) {
      const seen = stanzas.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`${user}/${resource}: timed out waiting for a stanza`));
        }, timeoutMs);
        const w = (s: LtxElement) => {
          if (!pred(s)) return;
          clearTimeout(timer);
          waiters.delete(w);
          resolve(s);
        };
        waiters.add(w);
      });
    },
    send: (el) => xmpp.send(el),
    roster: () =>
      xmpp.iqCaller.request(
        xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:roster' })),
      ),
    stop: () => stopXmppJs(xmpp),
  };
}

export const isPresence =
  (from: string, type?: string) =>
  (s: LtxElement): boolean =>
    s.is('presence') && s.attrs.from === from && s.attrs.type === type;

export const isMessage =
  (body: string) =>
  (s: LtxElement): boolean =>
    s.is('message') && s.getChildText('body') === body;

export const isPush =
  (jid: string, subscription?: string) =>
  (s: LtxElement): boolean => {
    const item =
      s.is('iq') && s.attrs.type === 'set'
        ? s.getChild('query', 'jabber:iq:roster')?.getChild('item')
        : undefined;
    return (
      item?.attrs.jid === jid &&
      (subscription === undefined || item.attrs.subscription === subscription)
    );
  };

export function chat(to: string, body: string): LtxElement {
  return xml('message', { to, type: 'chat' }, xml('body', {}, body));
}

/**
 * RFC 6121 §3.1: `a` asks for `b`'s presence and `b` approves; both must be available.
 * Afterwards `a` receives `b`'s presence.
 */
export async function subscribe(a: ClusterUser, b: ClusterUser): Promise<void> {
  const aBare = a.jid.split('/')[0]!;
  const bBare = b.jid.split('/')[0]!;
  const request = b.next(isPresence(aBare, 'subscribe'));
  await a.send(xml('presence', { to: bBare, type: 'subscribe' }));
  await request;
  const presence = a.next(isPresence(b.jid));
  await b.send(xml('presence', { to: aBare, type: 'subscribed' }));
  await presence;
}

export { xml };

import { randomBytes } from 'node:crypto';
import { verString } from '../../src/modules/pep/index.ts';
import {
  type Element,
  NS_CLIENT,
  NS_DATA_FORMS,
  NS_DISCO_INFO,
  NS_ROSTER,
  NS_STANZAS,
  x,
} from '../../src/xml/index.ts';
import type { TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';

export const NS_PUBSUB = 'http://jabber.org/protocol/pubsub';
export const NS_PUBSUB_OWNER = 'http://jabber.org/protocol/pubsub#owner';
export const NS_PUBSUB_EVENT = 'http://jabber.org/protocol/pubsub#event';
export const NS_PUBSUB_ERRORS = 'http://jabber.org/protocol/pubsub#errors';
export const NS_CAPS = 'http://jabber.org/protocol/caps';

export function errorCondition(reply: Element): string | undefined {
  return reply
    .getChild('error', NS_CLIENT)
    ?.elements()
    .find((e) => e.ns === NS_STANZAS && e.name !== 'text')?.name;
}

export function pubsubCondition(reply: Element): string | undefined {
  return reply.getChild('error', NS_CLIENT)?.getChildByNs(NS_PUBSUB_ERRORS)?.name;
}

export function form(type: string, fields: Record<string, string | string[]>): Element {
  const f = x(
    'x',
    NS_DATA_FORMS,
    { type: 'submit' },
    x(
      'field',
      NS_DATA_FORMS,
      { var: 'FORM_TYPE', type: 'hidden' },
      x('value', NS_DATA_FORMS, {}, type),
    ),
  );
  for (const [v, val] of Object.entries(fields)) {
    const el = x('field', NS_DATA_FORMS, { var: v });
    for (const one of Array.isArray(val) ? val : [val])
      el.append(x('value', NS_DATA_FORMS, {}, one));
    f.append(el);
  }
  return f;
}

export function publishIq(
  node: string,
  payload: Element,
  opts: { id?: string; to?: string; options?: Record<string, string | string[]> } = {},
): Element {
  return x(
    'iq',
    NS_CLIENT,
    { type: 'set', to: opts.to },
    x(
      'pubsub',
      NS_PUBSUB,
      {},
      x('publish', NS_PUBSUB, { node }, x('item', NS_PUBSUB, { id: opts.id }, payload)),
      opts.options &&
        x(
          'publish-options',
          NS_PUBSUB,
          {},
          form('http://jabber.org/protocol/pubsub#publish-options', opts.options),
        ),
    ),
  );
}

export function itemsIq(
  to: string | undefined,
  node: string,
  opts: { max?: number; ids?: string[] } = {},
) {
  return x(
    'iq',
    NS_CLIENT,
    { type: 'get', to },
    x(
      'pubsub',
      NS_PUBSUB,
      {},
      x(
        'items',
        NS_PUBSUB,
        { node, max_items: opts.max === undefined ? undefined : String(opts.max) },
        ...(opts.ids ?? []).map((id) => x('item', NS_PUBSUB, { id })),
      ),
    ),
  );
}

export function ownerIq(type: 'get' | 'set', verb: Element): Element {
  return x('iq', NS_CLIENT, { type }, x('pubsub', NS_PUBSUB_OWNER, {}, verb));
}

/** Ids of the items in a pubsub result or a notification. */
export function itemIds(el: Element): string[] {
  const items =
    el.getChild('pubsub', NS_PUBSUB)?.getChild('items', NS_PUBSUB) ??
    el.getChild('event', NS_PUBSUB_EVENT)?.getChild('items', NS_PUBSUB_EVENT);
  return (items?.getChildren('item') ?? []).map((i) => i.attrs.id ?? '');
}

/** A pubsub event notification about `node` from `from`. */
export function isEvent(el: Element, from: string, node: string): boolean {
  const ev =
    el.name === 'message' && el.attrs.from === from
      ? el.getChild('event', NS_PUBSUB_EVENT)
      : undefined;
  return ev?.elements().some((e) => e.attrs.node === node) ?? false;
}

/**
 * Sends available presence with XEP-0115 caps for `notify` (+notify features) and answers the
 * server's disco#info query for them. The features include a random one, so the server has never
 * seen this ver and asks: the query is awaited, and whatever the server does next (last items,
 * notifications) waits for the answer it is about to get.
 */
export async function capsPresence(c: TestClient, notify: string[]): Promise<void> {
  const node = 'https://meerkat.test/caps';
  const info = x(
    'query',
    NS_DISCO_INFO,
    {},
    x('identity', NS_DISCO_INFO, { category: 'client', type: 'pc', name: 'test' }),
    ...[
      NS_DISCO_INFO,
      `urn:test:${randomBytes(6).toString('hex')}`,
      ...notify.map((n) => `${n}+notify`),
    ].map((v) => x('feature', NS_DISCO_INFO, { var: v })),
  );
  const ver = verString(info, 'sha-1')!;
  c.send(x('presence', NS_CLIENT, {}, x('c', NS_CAPS, { hash: 'sha-1', node, ver })));
  const q = await c.expect(
    (el) =>
      el.name === 'iq' &&
      el.attrs.type === 'get' &&
      el.getChild('query', NS_DISCO_INFO) !== undefined,
  );
  const answer = info.clone();
  answer.setAttr('node', `${node}#${ver}`);
  c.send(x('iq', NS_CLIENT, { type: 'result', id: q.attrs.id, to: q.attrs.from }, answer));
}

/** Logs in over the plain listener. */
export async function login(
  server: TestServer,
  clients: TestClient[],
  user: string,
  resource?: string,
) {
  const c = await TestClient.connect(server.plainPort);
  clients.push(c);
  await c.login(user, 'pw', { mechanism: 'PLAIN', starttls: false, resource });
  return c;
}

/** Mutual presence subscription through the protocol (RFC 6121 §3), both users online. */
export async function befriend(
  server: TestServer,
  a: string,
  b: string,
  oneWay = false,
): Promise<void> {
  const clients: TestClient[] = [];
  const ca = await login(server, clients, a, 'setup');
  const cb = await login(server, clients, b, 'setup');
  const rosterGet = () => x('iq', NS_CLIENT, { type: 'get' }, x('query', NS_ROSTER));
  const pairs = [
    [a, b, ca, cb],
    [b, a, cb, ca],
  ] as const;
  for (const [from, to, c, other] of oneWay ? pairs.slice(0, 1) : pairs) {
    c.send(x('presence', NS_CLIENT, { to: `${to}@localhost`, type: 'subscribe' }));
    await c.iq(rosterGet());
    other.send(x('presence', NS_CLIENT, { to: `${from}@localhost`, type: 'subscribed' }));
    await other.iq(rosterGet());
  }
  // The subscriber's roster push comes last.
  const want = oneWay ? 'to' : 'both';
  await ca.expect((el) => {
    const item = el.getChild('query', NS_ROSTER)?.getChild('item', NS_ROSTER);
    return item?.attrs.jid === `${b}@localhost` && item.attrs.subscription === want;
  });
  if (!oneWay) {
    await cb.expect((el) => {
      const item = el.getChild('query', NS_ROSTER)?.getChild('item', NS_ROSTER);
      return item?.attrs.jid === `${a}@localhost` && item.attrs.subscription === 'both';
    });
  }
  for (const c of clients) c.close();
  await Promise.all(clients.map((c) => c.closed));
}

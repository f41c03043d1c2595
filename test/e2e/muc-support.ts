import {
  type Element,
  NS_CLIENT,
  NS_DATA_FORMS,
  NS_MUC,
  NS_MUC_OWNER,
  NS_MUC_USER,
  NS_STANZAS,
  x,
} from '../../src/xml/index.ts';
import type { TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';

export const SERVICE = 'conference.localhost';

/** A logged-in client of our own (plain port, PLAIN), ready for MUC stanzas. */
export async function user(server: TestServer, name: string, resource = 'r'): Promise<TestClient> {
  await server.register(name, 'secret');
  return login(server.plainPort, name, resource);
}

export async function login(port: number, name: string, resource = 'r'): Promise<TestClient> {
  const c = await TestClient.connect(port);
  await c.login(name, 'secret', { mechanism: 'PLAIN', starttls: false, resource });
  return c;
}

export function roomJid(room: string): string {
  return `${room}@${SERVICE}`;
}

export function statusCodes(el: Element): string[] {
  const ext = el.getChild('x', NS_MUC_USER);
  return (ext?.getChildren('status', NS_MUC_USER) ?? []).map((s) => s.attrs.code ?? '').sort();
}

export function mucItem(el: Element): Element | undefined {
  return el.getChild('x', NS_MUC_USER)?.getChild('item', NS_MUC_USER);
}

export function errorCondition(el: Element): string | undefined {
  const err = el.getChild('error');
  return err?.elements().find((e) => e.ns === NS_STANZAS && e.name !== 'text')?.name;
}

export interface JoinOptions {
  password?: string;
  history?: Record<string, string>;
}

/**
 * Sends the XEP-0045 §7.2 join presence and waits for the self-presence (status 110) or the
 * error presence from room/nick.
 */
export async function join(
  c: TestClient,
  room: string,
  nick: string,
  o: JoinOptions = {},
): Promise<Element> {
  const to = `${roomJid(room)}/${nick}`;
  const mucX = x('x', NS_MUC);
  if (o.password !== undefined) mucX.append(x('password', NS_MUC, {}, o.password));
  if (o.history) mucX.append(x('history', NS_MUC, o.history));
  c.send(x('presence', NS_CLIENT, { to }, mucX));
  return c.expect(
    (el) =>
      el.name === 'presence' &&
      el.attrs.from === to &&
      (el.attrs.type === 'error' || statusCodes(el).includes('110')),
  );
}

/** Waits for the subject message that ends a join (§7.2.15). */
export function expectSubject(c: TestClient, room: string): Promise<Element> {
  return c.expect(
    (el) =>
      el.name === 'message' &&
      el.attrs.from?.startsWith(roomJid(room)) === true &&
      el.getChild('subject', NS_CLIENT) !== undefined &&
      el.getChild('body', NS_CLIENT) === undefined,
  );
}

export function configForm(fields: Record<string, string>): Element {
  const form = x(
    'x',
    NS_DATA_FORMS,
    { type: 'submit' },
    x(
      'field',
      NS_DATA_FORMS,
      { var: 'FORM_TYPE' },
      x('value', NS_DATA_FORMS, {}, 'http://jabber.org/protocol/muc#roomconfig'),
    ),
  );
  for (const [k, v] of Object.entries(fields)) {
    form.append(
      x('field', NS_DATA_FORMS, { var: `muc#roomconfig_${k}` }, x('value', NS_DATA_FORMS, {}, v)),
    );
  }
  return form;
}

/** Submits a configuration (XEP-0045 §10.2) and returns the IQ reply. */
export function configure(
  c: TestClient,
  room: string,
  fields: Record<string, string>,
): Promise<Element> {
  return c.iq(
    x(
      'iq',
      NS_CLIENT,
      { type: 'set', to: roomJid(room) },
      x('query', NS_MUC_OWNER, {}, configForm(fields)),
    ),
  );
}

/** Creates a room by joining it, then unlocks it with the given configuration (§10.1). */
export async function createRoom(
  c: TestClient,
  room: string,
  nick: string,
  fields: Record<string, string> = {},
): Promise<void> {
  const self = await join(c, room, nick);
  if (!statusCodes(self).includes('201')) throw new Error(`room ${room} was not created`);
  await expectSubject(c, room);
  const r = await configure(c, room, fields);
  if (r.attrs.type !== 'result') throw new Error(`configuration refused: ${errorCondition(r)}`);
}

export function groupchat(room: string, body: string): Element {
  return x(
    'message',
    NS_CLIENT,
    { to: roomJid(room), type: 'groupchat' },
    x('body', NS_CLIENT, {}, body),
  );
}

export function isBody(el: Element, body: string): boolean {
  return el.name === 'message' && el.getChildText('body', NS_CLIENT) === body;
}

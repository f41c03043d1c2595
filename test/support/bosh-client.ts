import { request } from 'node:http';
import { scramClient } from '../../src/c2s/sasl/index.ts';
import {
  type Element,
  NS_BIND,
  NS_CLIENT,
  NS_SASL,
  serialize,
  XmppStreamParser,
  x,
} from '../../src/xml/index.ts';

export const NS_HTTPBIND = 'http://jabber.org/protocol/httpbind';
export const NS_XBOSH = 'urn:xmpp:xbosh';

export interface HttpAnswer {
  status: number;
  text: string;
  /** The response `<body/>` when the answer is XML. */
  body: Element | undefined;
}

/** One raw POST (node:http, a fresh connection each time so held requests run in parallel). */
export function post(
  port: number,
  data: string | Buffer,
  headers: Record<string, string> = {},
  path = '/http-bind',
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'text/xml; charset=utf-8', ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          const xml = res.headers['content-type']?.startsWith('text/xml');
          resolve({ status: res.statusCode ?? 0, text, body: xml ? parseXml(text) : undefined });
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** Parses one element (our own stream parser in element framing). */
export function parseXml(text: string): Element {
  let el: Element | undefined;
  let error: unknown;
  const p = new XmppStreamParser(
    { maxStanzaBytes: 1 << 24, framing: 'websocket' },
    {
      streamOpen: () => {},
      stanza: (e) => {
        el = e;
      },
      streamClose: () => {},
      error: (e) => {
        error = e;
      },
    },
  );
  p.write(Buffer.from(text));
  if (!el) throw new Error(`not XML: ${text} (${String(error)})`);
  return el;
}

export interface CreateOptions {
  wait?: number;
  hold?: number;
  to?: string;
  ver?: string;
  headers?: Record<string, string>;
}

/**
 * A small BOSH client (XEP-0124/0206) for tests: keeps the sid and the rid counter, collects
 * the stanzas of every response in an inbox, and polls while waiting for one.
 */
export class BoshClient {
  readonly inbox: Element[] = [];
  /** Every response body received, in arrival order. */
  readonly responses: Element[] = [];
  terminated: Element | undefined;
  jid = '';

  private constructor(
    /** Where the next requests go (in a cluster, any node serves the session). */
    public port: number,
    readonly sid: string,
    public rid: number,
    readonly created: Element,
    readonly headers: Record<string, string>,
  ) {
    this.take(created);
  }

  static async create(port: number, o: CreateOptions = {}): Promise<BoshClient> {
    const rid = 1000 + Math.floor(Math.random() * 1_000_000);
    const answer = await post(
      port,
      `<body xmlns='${NS_HTTPBIND}' xmlns:xmpp='${NS_XBOSH}' rid='${rid}' to='${o.to ?? 'localhost'}'` +
        ` wait='${o.wait ?? 2}' hold='${o.hold ?? 1}' ver='${o.ver ?? '1.11'}' xml:lang='en'` +
        ` xmpp:version='1.0'/>`,
      o.headers,
    );
    const body = answer.body;
    const sid = body?.attrs.sid;
    if (!body || !sid) throw new Error(`session creation failed: ${answer.status} ${answer.text}`);
    return new BoshClient(port, sid, rid + 1, body, o.headers ?? {});
  }

  /** The body text for the next rid (or `rid`), without sending it. */
  bodyXml(payload = '', attrs: Record<string, string> = {}, rid = this.rid): string {
    let a = '';
    for (const [k, v] of Object.entries(attrs)) a += ` ${k}='${v}'`;
    const open = `<body xmlns='${NS_HTTPBIND}' xmlns:xmpp='${NS_XBOSH}' rid='${rid}' sid='${this.sid}'${a}`;
    return payload === '' ? `${open}/>` : `${open}>${payload}</body>`;
  }

  /** Sends a body with the next rid; resolves with its response body. */
  async send(payload: string | Element[] = '', attrs: Record<string, string> = {}) {
    const xml = typeof payload === 'string' ? payload : payload.map((e) => serialize(e)).join('');
    return this.sendRaw(this.bodyXml(xml, attrs));
  }

  /** Sends a prepared body (its rid must be the next one); the counter moves on. */
  async sendRaw(data: string): Promise<Element> {
    this.rid++;
    const answer = await post(this.port, data, this.headers);
    if (!answer.body) throw new Error(`no XML answer: ${answer.status} ${answer.text}`);
    this.take(answer.body);
    return answer.body;
  }

  private polling = false;
  private wakers: (() => void)[] = [];

  private take(body: Element): void {
    this.responses.push(body);
    if (body.attrs.type === 'terminate') this.terminated = body;
    for (const el of body.elements()) this.inbox.push(el);
    this.wake();
  }

  private wake(): void {
    for (const w of this.wakers.splice(0)) w();
  }

  /**
   * Removes and returns the first inbox element matching `pred`. While waiting, one empty
   * request at a time is kept open (a long poll); any response wakes the check.
   */
  async expect(pred: (el: Element) => boolean, timeoutMs = 10_000): Promise<Element> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.inbox.findIndex(pred);
      if (i !== -1) return this.inbox.splice(i, 1)[0]!;
      if (this.terminated) throw new Error(`session terminated: ${serialize(this.terminated)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for an element');
      if (!this.polling) {
        this.polling = true;
        this.send()
          .catch(() => {})
          .finally(() => {
            this.polling = false;
            this.wake();
          });
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wakers.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async login(user: string, password: string, resource = 'bosh'): Promise<string> {
    const scram = scramClient('sha256', user, password);
    const first = Buffer.from(scram.first()).toString('base64');
    void this.send([x('auth', NS_SASL, { mechanism: 'SCRAM-SHA-256' }, first)]);
    const challenge = await this.expect((el) => el.ns === NS_SASL);
    if (challenge.name !== 'challenge') throw new Error(`SASL: ${serialize(challenge)}`);
    const final = await scram.final(Buffer.from(challenge.text(), 'base64').toString());
    void this.send([x('response', NS_SASL, {}, Buffer.from(final).toString('base64'))]);
    const outcome = await this.expect((el) => el.ns === NS_SASL);
    if (outcome.name !== 'success') throw new Error(`SASL: ${serialize(outcome)}`);
    // XEP-0206 §5: restart the stream; the response carries the new features (bind).
    const restarted = await this.send('', {
      to: 'localhost',
      'xml:lang': 'en',
      'xmpp:restart': 'true',
    });
    if (!restarted.getChild('features')?.getChild('bind', NS_BIND)) {
      throw new Error(`no bind feature after restart: ${serialize(restarted)}`);
    }
    this.inbox.length = 0;
    const bind = x('bind', NS_BIND, {}, x('resource', NS_BIND, {}, resource));
    void this.send([x('iq', NS_CLIENT, { type: 'set', id: 'bind1' }, bind)]);
    const reply = await this.expect((el) => el.name === 'iq' && el.attrs.id === 'bind1');
    const jid = reply.getChild('bind', NS_BIND)?.getChildText('jid', NS_BIND);
    if (!jid) throw new Error(`bind failed: ${serialize(reply)}`);
    this.jid = jid;
    return jid;
  }
}

import { connect as netConnect, type Socket } from 'node:net';
import { type SecureVersion, type TLSSocket, connect as tlsConnect } from 'node:tls';
import { scramClient } from '../../src/c2s/sasl/index.ts';
import type { StreamError } from '../../src/errors/index.ts';
import {
  Element,
  NS_BIND,
  NS_CLIENT,
  NS_SASL,
  NS_STREAM,
  NS_STREAMS_ERR,
  NS_TLS,
  x,
} from '../../src/xml/index.ts';
import { XmppStreamParser } from '../../src/xml/parser.ts';
import { serialize } from '../../src/xml/serializer.ts';

export type Mechanism = 'PLAIN' | 'SCRAM-SHA-1' | 'SCRAM-SHA-256';

export interface LoginOptions {
  mechanism?: Mechanism;
  resource?: string;
  /** Negotiate STARTTLS first (default true unless the connection is direct TLS). */
  starttls?: boolean;
  domain?: string;
}

/**
 * Our own XMPP test client ("story helper"): raw socket, our parser, explicit steps. It lets
 * tests send exactly the bytes they want and wait for exactly the elements they expect.
 */
export class TestClient {
  private socket: Socket;
  private parser: XmppStreamParser;
  private readonly inbox: Element[] = [];
  private waiters: { pred: (el: Element) => boolean; resolve: (el: Element) => void }[] = [];
  /** Every byte received, as text (for raw assertions). */
  raw = '';
  streamHeader: Record<string, string> | undefined;
  parseError: StreamError | undefined;
  readonly closed: Promise<void>;
  private markClosed!: () => void;
  isClosed = false;
  jid = '';

  private constructor(
    socket: Socket,
    private readonly port: number,
  ) {
    this.socket = socket;
    this.closed = new Promise((r) => {
      this.markClosed = r;
    });
    this.parser = this.newParser();
    this.attach(socket);
  }

  static async connect(
    port: number,
    opts: { directTls?: boolean; host?: string; tlsVersion?: SecureVersion } = {},
  ): Promise<TestClient> {
    const host = opts.host ?? '127.0.0.1';
    const pin = opts.tlsVersion ? { minVersion: opts.tlsVersion, maxVersion: opts.tlsVersion } : {};
    const socket: Socket = opts.directTls
      ? tlsConnect({
          host,
          port,
          rejectUnauthorized: false,
          ALPNProtocols: ['xmpp-client'],
          ...pin,
        })
      : netConnect({ host, port });
    await new Promise<void>((resolve, reject) => {
      socket.once(opts.directTls ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    const client = new TestClient(socket, port);
    client.tlsVersion = opts.tlsVersion;
    return client;
  }

  /** Pins STARTTLS too (direct TLS is pinned at connect). */
  private tlsVersion: SecureVersion | undefined;

  /** The TLS socket once encrypted (channel-binding tests compute their data from it). */
  tlsSocket(): TLSSocket | undefined {
    return (this.socket as TLSSocket).encrypted ? (this.socket as TLSSocket) : undefined;
  }

  private newParser(): XmppStreamParser {
    return new XmppStreamParser(
      { maxStanzaBytes: 10 * 1024 * 1024 },
      {
        streamOpen: (o) => {
          this.streamHeader = { ...o.attrs };
        },
        stanza: (el) => this.receive(el),
        streamClose: () => {},
        error: (e) => {
          this.parseError = e;
        },
      },
    );
  }

  private attach(socket: Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.raw += chunk.toString('utf8');
      this.parser.write(chunk);
    });
    socket.on('error', () => {});
    socket.once('close', () => {
      this.isClosed = true;
      this.markClosed();
    });
  }

  private receive(el: Element): void {
    const i = this.waiters.findIndex((w) => w.pred(el));
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1);
      w!.resolve(el);
    } else this.inbox.push(el);
  }

  sendRaw(data: string | Buffer): void {
    this.socket.write(data);
  }

  send(el: Element): void {
    this.socket.write(serialize(el, NS_CLIENT));
  }

  openStream(domain = 'localhost', extra = ''): void {
    this.parser.reset();
    this.sendRaw(
      `<?xml version='1.0'?><stream:stream to='${domain}' xmlns='jabber:client' xmlns:stream='${NS_STREAM}' version='1.0'${extra}>`,
    );
  }

  /** Waits for the next element matching `pred` (earlier non-matching ones stay queued). */
  expect(pred: (el: Element) => boolean = () => true, timeoutMs = 5000): Promise<Element> {
    const i = this.inbox.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter = {
        pred,
        resolve: (el: Element) => {
          clearTimeout(timer);
          resolve(el);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new Error(`timed out waiting for an element; received so far: ${this.raw.slice(-2000)}`),
        );
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  expectName(name: string, ns?: string, timeoutMs?: number): Promise<Element> {
    return this.expect((el) => el.name === name && (ns === undefined || el.ns === ns), timeoutMs);
  }

  /** Waits for a stream error and returns its condition. */
  async expectStreamError(timeoutMs = 5000): Promise<string> {
    const err = await this.expectName('error', NS_STREAM, timeoutMs);
    const cond = err.elements().find((e) => e.ns === NS_STREAMS_ERR && e.name !== 'text');
    return cond?.name ?? '';
  }

  /** Elements received and not yet taken by expect(). */
  pending(): Element[] {
    return [...this.inbox];
  }

  async startTls(domain: string): Promise<void> {
    this.openStream(domain);
    await this.expectName('features', NS_STREAM);
    this.send(x('starttls', NS_TLS));
    await this.expectName('proceed', NS_TLS);
    this.socket.removeAllListeners('data');
    const pin = this.tlsVersion ? { minVersion: this.tlsVersion, maxVersion: this.tlsVersion } : {};
    const secure: TLSSocket = tlsConnect({
      socket: this.socket,
      rejectUnauthorized: false,
      ...pin,
    });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    this.socket = secure;
    this.parser = this.newParser();
    this.attach(secure);
  }

  /** Full login: [STARTTLS], SASL, bind. Returns the bound full JID. */
  async login(user: string, password: string, opts: LoginOptions = {}): Promise<string> {
    const domain = opts.domain ?? 'localhost';
    const starttls = opts.starttls ?? !(this.socket as TLSSocket).encrypted;
    if (starttls) await this.startTls(domain);
    this.openStream(domain);
    const features = await this.expectName('features', NS_STREAM);
    await this.authenticate(features, user, password, opts.mechanism ?? 'SCRAM-SHA-256');
    this.openStream(domain);
    await this.expectName('features', NS_STREAM);
    return this.bind(opts.resource);
  }

  async authenticate(
    features: Element,
    user: string,
    password: string,
    mechanism: Mechanism,
  ): Promise<void> {
    const offered =
      features
        .getChild('mechanisms', NS_SASL)
        ?.getChildren('mechanism')
        .map((m) => m.text()) ?? [];
    if (!offered.includes(mechanism))
      throw new Error(`${mechanism} not offered: ${offered.join(', ')}`);
    if (mechanism === 'PLAIN') {
      const initial = Buffer.from(`\0${user}\0${password}`).toString('base64');
      this.send(x('auth', NS_SASL, { mechanism }, initial));
    } else {
      const client = scramClient(mechanism === 'SCRAM-SHA-1' ? 'sha1' : 'sha256', user, password);
      this.send(x('auth', NS_SASL, { mechanism }, Buffer.from(client.first()).toString('base64')));
      const challenge = await this.expect((el) => el.ns === NS_SASL);
      if (challenge.name !== 'challenge') throw new Error(`SASL failed: ${serialize(challenge)}`);
      const serverFirst = Buffer.from(challenge.text(), 'base64').toString();
      const final = await client.final(serverFirst);
      this.send(x('response', NS_SASL, {}, Buffer.from(final).toString('base64')));
      const outcome = await this.expect((el) => el.ns === NS_SASL);
      if (outcome.name !== 'success') throw new Error(`SASL failed: ${serialize(outcome)}`);
      if (!client.verify(Buffer.from(outcome.text(), 'base64').toString())) {
        throw new Error('server signature did not verify');
      }
      return;
    }
    const outcome = await this.expect((el) => el.ns === NS_SASL);
    if (outcome.name !== 'success') throw new Error(`SASL failed: ${serialize(outcome)}`);
  }

  async bind(resource?: string): Promise<string> {
    const bind = x(
      'bind',
      NS_BIND,
      {},
      resource ? x('resource', NS_BIND, {}, resource) : undefined,
    );
    this.send(x('iq', NS_CLIENT, { type: 'set', id: 'bind1' }, bind));
    const reply = await this.expect((el) => el.name === 'iq' && el.attrs.id === 'bind1');
    const jid = reply.getChild('bind', NS_BIND)?.getChildText('jid', NS_BIND);
    if (reply.attrs.type !== 'result' || !jid) throw new Error(`bind failed: ${serialize(reply)}`);
    this.jid = jid;
    return jid;
  }

  /** Sends an IQ and waits for the reply with the same id. */
  async iq(el: Element, timeoutMs?: number): Promise<Element> {
    const id = el.attrs.id ?? `iq-${Math.random().toString(36).slice(2)}`;
    el.setAttr('id', id);
    this.send(el);
    return this.expect(
      (r) =>
        r.name === 'iq' &&
        r.attrs.id === id &&
        (r.attrs.type === 'result' || r.attrs.type === 'error'),
      timeoutMs,
    );
  }

  close(): void {
    if (!this.isClosed) this.sendRaw('</stream:stream>');
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  get localPort(): number {
    return this.port;
  }
}

export { Element };

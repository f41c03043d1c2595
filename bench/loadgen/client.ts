/**
 * One simulated XMPP client over a raw TCP socket. Replies are recognised by string search, not
 * parsed: the load generator must stay cheap next to the server it measures.
 * Login: stream, SASL (PLAIN or SCRAM-SHA-1), restart, bind, initial presence (RFC 6120 §6-7,
 * RFC 6121 §4.2). Then it only counts stamped chat messages and answers pings.
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Mechanism } from './protocol.ts';
import { type ScramExchange, scramSha1 } from './scram.ts';

export const BODY_MARK = '<body>lg:';

export interface ClientOptions {
  host: string;
  port: number;
  localAddress: string;
  domain: string;
  user: string;
  password: string;
  mechanism: Mechanism;
}

export interface ClientEvents {
  online(c: LoadClient): void;
  failed(c: LoadClient, why: string): void;
  /** A stamped message arrived: its sequence number and send time (performance.now()). */
  message(seq: number, sentAt: number): void;
  /** A message without our stamp (e.g. an error bounce). */
  foreign(): void;
}

type Step = 'features' | 'auth' | 'challenge' | 'features2' | 'bind' | 'online' | 'done';

const SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';
const MAX_BUF = 1 << 20;

export class LoadClient {
  readonly user: string;
  readonly jid: string;
  startedAt = 0;
  loginMs = 0;
  private socket: Socket | undefined;
  private buf = '';
  private step: Step = 'features';
  private scram: ScramExchange | undefined;
  private readonly header: string;

  constructor(
    private readonly o: ClientOptions,
    private readonly ev: ClientEvents,
  ) {
    this.user = o.user;
    this.jid = `${o.user}@${o.domain}`;
    this.header =
      `<?xml version='1.0'?><stream:stream to='${o.domain}' xmlns='jabber:client' ` +
      `xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`;
  }

  get isOnline(): boolean {
    return this.step === 'online';
  }

  start(): void {
    this.startedAt = performance.now();
    const s = connect({ host: this.o.host, port: this.o.port, localAddress: this.o.localAddress });
    this.socket = s;
    s.setNoDelay(true);
    s.setEncoding('utf8');
    s.on('connect', () => s.write(this.header));
    s.on('data', (d: string) => this.onData(d));
    s.on('error', (e: NodeJS.ErrnoException) => this.fail(e.code ?? 'socket_error'));
    s.on('close', () => this.fail(this.step === 'online' ? 'closed_online' : 'closed'));
  }

  send(data: string): void {
    this.socket?.write(data);
  }

  fail(why: string): void {
    if (this.step === 'done') return;
    this.step = 'done';
    this.socket?.destroy();
    this.ev.failed(this, why);
  }

  close(): void {
    if (this.step === 'done') return;
    this.step = 'done';
    this.socket?.end('</stream:stream>');
    this.socket?.destroy();
  }

  private onData(d: string): void {
    if (this.step === 'online') {
      this.onStanzas(d);
      return;
    }
    if (this.step === 'done') return;
    this.buf += d;
    if (this.buf.length > MAX_BUF) {
      this.fail('oversized_reply');
      return;
    }
    if (this.buf.includes('</stream:stream>') || this.buf.includes('<stream:error')) {
      this.fail(`stream_error_at_${this.step}`);
      return;
    }
    switch (this.step) {
      case 'features':
        if (!this.take('</stream:features>')) return;
        this.sendAuth();
        return;
      case 'challenge': {
        const end = this.buf.indexOf('</challenge>');
        if (end < 0) {
          this.checkFailure();
          return;
        }
        const start = this.buf.lastIndexOf('>', end) + 1;
        const final = this.scram!.final(this.buf.slice(start, end));
        this.buf = '';
        if (!final) {
          this.fail('bad_challenge');
          return;
        }
        this.step = 'auth';
        this.send(`<response xmlns='${SASL}'>${final}</response>`);
        return;
      }
      case 'auth':
        if (!this.take('<success')) {
          this.checkFailure();
          return;
        }
        this.step = 'features2';
        this.send(this.header);
        return;
      case 'features2':
        if (!this.take('</stream:features>')) return;
        this.step = 'bind';
        this.send(
          `<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>` +
            `<resource>lg</resource></bind></iq>`,
        );
        return;
      case 'bind':
        if (/type=['"]error['"]/.test(this.buf)) {
          this.fail('bind_error');
          return;
        }
        if (!this.take('</iq>')) return;
        this.send('<presence/>');
        this.step = 'online';
        this.loginMs = performance.now() - this.startedAt;
        this.ev.online(this);
        return;
    }
  }

  private sendAuth(): void {
    if (this.o.mechanism === 'PLAIN') {
      const b64 = Buffer.from(`\0${this.o.user}\0${this.o.password}`).toString('base64');
      this.step = 'auth';
      this.send(`<auth xmlns='${SASL}' mechanism='PLAIN'>${b64}</auth>`);
    } else {
      this.scram = scramSha1(this.o.user, this.o.password);
      this.step = 'challenge';
      this.send(`<auth xmlns='${SASL}' mechanism='SCRAM-SHA-1'>${this.scram.first}</auth>`);
    }
  }

  private checkFailure(): void {
    if (this.buf.includes('<failure')) this.fail('auth_failure');
  }

  /** True (and the buffer cleared) when `token` has arrived. */
  private take(token: string): boolean {
    if (!this.buf.includes(token)) return false;
    this.buf = '';
    return true;
  }

  private onStanzas(d: string): void {
    let buf = this.buf + d;
    let end = buf.indexOf('</message>');
    while (end >= 0) {
      const b = buf.lastIndexOf(BODY_MARK, end);
      const start = buf.lastIndexOf('<message', end);
      if (b > start && start >= 0) {
        const i = b + BODY_MARK.length;
        const j = buf.indexOf(':', i);
        const k = buf.indexOf(':', j + 1);
        this.ev.message(Number(buf.slice(i, j)), Number(buf.slice(j + 1, k)));
      } else this.ev.foreign();
      buf = buf.slice(end + 10);
      end = buf.indexOf('</message>');
    }
    const ping = buf.indexOf('urn:xmpp:ping');
    if (ping >= 0) {
      // XEP-0199: answer server pings so the server does not drop idle clients.
      const id = /<iq[^>]*\bid=['"]([^'"]+)/.exec(buf.slice(buf.lastIndexOf('<iq', ping)));
      if (id) this.send(`<iq type='result' id='${id[1]}' to='${this.o.domain}'/>`);
      buf = buf.slice(ping);
      buf = buf.slice(buf.indexOf('>') + 1);
    }
    // Keep only a possibly incomplete <message ...>; drop presence echoes and the like.
    const m = buf.lastIndexOf('<message');
    this.buf = m >= 0 ? buf.slice(m) : buf.slice(-16);
    if (this.buf.length > MAX_BUF) this.buf = '';
  }
}

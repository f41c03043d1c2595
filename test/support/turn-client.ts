import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';

/**
 * A minimal STUN/TURN client over UDP for tests: Binding (RFC 5389 §7) and Allocate with the
 * long-term credential mechanism (RFC 5389 §10.2, RFC 5766 §6): a first request without
 * credentials is answered 401 with REALM and NONCE; the second carries USERNAME, REALM, NONCE and
 * MESSAGE-INTEGRITY keyed by MD5(username:realm:password).
 */
const MAGIC = 0x2112a442;
const BINDING = 0x0001;
const ALLOCATE = 0x0003;
const ATTR = {
  USERNAME: 0x0006,
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  REALM: 0x0014,
  NONCE: 0x0015,
  XOR_RELAYED_ADDRESS: 0x0016,
  REQUESTED_TRANSPORT: 0x0019,
} as const;

interface StunMessage {
  type: number;
  attrs: Map<number, Buffer>;
}

function encode(type: number, txid: Buffer, attrs: [number, Buffer][], key?: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (const [t, v] of attrs) {
    const head = Buffer.alloc(4);
    head.writeUInt16BE(t, 0);
    head.writeUInt16BE(v.length, 2);
    parts.push(head, v, Buffer.alloc((4 - (v.length % 4)) % 4));
  }
  let body = Buffer.concat(parts);
  const header = (len: number) => {
    const h = Buffer.alloc(20);
    h.writeUInt16BE(type, 0);
    h.writeUInt16BE(len, 2);
    h.writeUInt32BE(MAGIC, 4);
    txid.copy(h, 8);
    return h;
  };
  if (key) {
    // RFC 5389 §15.4: the HMAC covers the message with its length already counting the
    // MESSAGE-INTEGRITY attribute (24 bytes).
    const mac = createHmac('sha1', key)
      .update(Buffer.concat([header(body.length + 24), body]))
      .digest();
    const head = Buffer.alloc(4);
    head.writeUInt16BE(ATTR.MESSAGE_INTEGRITY, 0);
    head.writeUInt16BE(20, 2);
    body = Buffer.concat([body, head, mac]);
  }
  return Buffer.concat([header(body.length), body]);
}

function decode(buf: Buffer): StunMessage & { txid: Buffer } {
  const type = buf.readUInt16BE(0);
  const len = buf.readUInt16BE(2);
  const attrs = new Map<number, Buffer>();
  let at = 20;
  while (at + 4 <= 20 + len) {
    const t = buf.readUInt16BE(at);
    const l = buf.readUInt16BE(at + 2);
    attrs.set(t, buf.subarray(at + 4, at + 4 + l));
    at += 4 + l + ((4 - (l % 4)) % 4);
  }
  return { type, attrs, txid: buf.subarray(8, 20) };
}

export type AllocateOutcome =
  | { ok: true; relayed: string }
  | { ok: false; code: number; reason: string };

export class TurnClient {
  private readonly socket: Socket = createSocket('udp4');

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  private async request(msg: (txid: Buffer) => Buffer): Promise<StunMessage> {
    const txid = randomBytes(12);
    const data = msg(txid);
    return new Promise((resolve, reject) => {
      let tries = 0;
      const send = () => {
        // RFC 5389 §7.2.1: UDP requests are retransmitted.
        if (++tries > 20) {
          cleanup();
          reject(new Error(`no STUN answer from ${this.host}:${this.port}`));
          return;
        }
        this.socket.send(data, this.port, this.host);
      };
      const timer = setInterval(send, 250);
      const onMessage = (buf: Buffer) => {
        if (buf.length < 20) return;
        const m = decode(buf);
        if (!m.txid.equals(txid)) return;
        cleanup();
        resolve(m);
      };
      const cleanup = () => {
        clearInterval(timer);
        this.socket.off('message', onMessage);
      };
      this.socket.on('message', onMessage);
      send();
    });
  }

  /** A Binding request: resolves once the server answers (its readiness check). */
  async binding(): Promise<boolean> {
    const r = await this.request((txid) => encode(BINDING, txid, []));
    return r.type === 0x0101;
  }

  async allocate(username: string, password: string): Promise<AllocateOutcome> {
    const transport = Buffer.from([17, 0, 0, 0]); // UDP (RFC 5766 §14.7)
    const first = await this.request((txid) =>
      encode(ALLOCATE, txid, [[ATTR.REQUESTED_TRANSPORT, transport]]),
    );
    if (first.type === 0x0103) return { ok: true, relayed: relayed(first) };
    const err = errorCode(first);
    const realm = first.attrs.get(ATTR.REALM);
    const nonce = first.attrs.get(ATTR.NONCE);
    if (err.code !== 401 || !realm || !nonce) return { ok: false, ...err };
    const key = createHash('md5').update(`${username}:${realm.toString()}:${password}`).digest();
    const second = await this.request((txid) =>
      encode(
        ALLOCATE,
        txid,
        [
          [ATTR.REQUESTED_TRANSPORT, transport],
          [ATTR.USERNAME, Buffer.from(username)],
          [ATTR.REALM, realm],
          [ATTR.NONCE, nonce],
        ],
        key,
      ),
    );
    if (second.type === 0x0103) return { ok: true, relayed: relayed(second) };
    return { ok: false, ...errorCode(second) };
  }

  close(): void {
    this.socket.close();
  }
}

function errorCode(m: StunMessage): { code: number; reason: string } {
  const v = m.attrs.get(ATTR.ERROR_CODE);
  if (!v) return { code: 0, reason: `unexpected message type 0x${m.type.toString(16)}` };
  return { code: (v[2]! & 7) * 100 + v[3]!, reason: v.subarray(4).toString() };
}

/** XOR-RELAYED-ADDRESS (RFC 5766 §14.5), IPv4 only. */
function relayed(m: StunMessage): string {
  const v = m.attrs.get(ATTR.XOR_RELAYED_ADDRESS);
  if (!v) return '';
  const port = v.readUInt16BE(2) ^ (MAGIC >>> 16);
  const ip = v.readUInt32BE(4) ^ MAGIC;
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}:${port}`;
}

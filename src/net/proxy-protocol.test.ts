import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type ProxyParse, parseProxyHeader, V2_SIGNATURE } from './proxy-protocol.ts';

const done = (r: ProxyParse) => {
  assert.equal(r.status, 'done', JSON.stringify(r));
  return r as Extract<ProxyParse, { status: 'done' }>;
};

/** A v2 header: signature, version/command, family/protocol, length, then `body`. */
function v2(verCmd: number, famProto: number, body: Buffer, declared = body.length): Buffer {
  const fixed = Buffer.alloc(4);
  fixed[0] = verCmd;
  fixed[1] = famProto;
  fixed.writeUInt16BE(declared, 2);
  return Buffer.concat([V2_SIGNATURE, fixed, body]);
}

const inet = (src: number[], dst: number[], sport: number, dport: number) => {
  const b = Buffer.alloc(12);
  Buffer.from(src).copy(b, 0);
  Buffer.from(dst).copy(b, 4);
  b.writeUInt16BE(sport, 8);
  b.writeUInt16BE(dport, 10);
  return b;
};

/** A TLV (spec §2.2.7): type, 16-bit length, value. */
const tlv = (type: number, value: Buffer) => {
  const h = Buffer.alloc(3);
  h[0] = type;
  h.writeUInt16BE(value.length, 1);
  return Buffer.concat([h, value]);
};

describe('PROXY protocol v1 (spec §2.1)', () => {
  test('TCP4, with the proxied stream following', () => {
    const line = 'PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n';
    const r = done(parseProxyHeader(Buffer.from(`${line}<?xml version='1.0'?>`)));
    assert.equal(r.length, line.length);
    assert.deepEqual(r.header, {
      version: 1,
      source: { ip: '192.168.0.1', port: 56324 },
      destination: { ip: '192.168.0.11', port: 443 },
    });
  });

  test('TCP4 and TCP6 worst cases from the spec (56 and 104 bytes)', () => {
    const v4 = 'PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n';
    assert.equal(done(parseProxyHeader(Buffer.from(v4))).length, 56);
    const f = 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff';
    const v6 = `PROXY TCP6 ${f} ${f} 65535 65535\r\n`;
    const r = done(parseProxyHeader(Buffer.from(v6)));
    assert.equal(r.length, 104);
    assert.equal(r.header.source?.ip, f);
  });

  test('TCP6 with an IPv4-mapped source reports the IPv4 address', () => {
    const r = done(parseProxyHeader(Buffer.from('PROXY TCP6 ::ffff:10.0.0.5 ::1 4000 5222\r\n')));
    assert.equal(r.header.source?.ip, '10.0.0.5');
  });

  test('UNKNOWN: no address, the rest of the line ignored, 107 bytes allowed', () => {
    assert.deepEqual(done(parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\n'))).header, {
      version: 1,
    });
    const f = 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff';
    const long = `PROXY UNKNOWN ${f} ${f} 65535 65535\r\n`;
    assert.equal(long.length, 107);
    assert.equal(done(parseProxyHeader(Buffer.from(long))).length, 107);
  });

  test('incomplete while the line may still be valid', () => {
    for (const part of ['P', 'PROX', 'PROXY ', 'PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r']) {
      assert.deepEqual(parseProxyHeader(Buffer.from(part)), { status: 'incomplete' }, part);
    }
  });

  test('malformed lines are refused', () => {
    const bad = [
      'PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n',
      'PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n',
      'PROXY TCP4 ::1 ::1 1 2\r\n',
      'PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n',
      'PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n',
      'PROXY TCP4 1.2.3.4 5.6.7.8 0080 2\r\n',
      'PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n',
      `PROXY UNKNOWN ${'x'.repeat(100)}\r\n`,
      `PROXY UNKNOWN ${'x'.repeat(100)}`,
      "<?xml version='1.0'?>",
      'GET / HTTP/1.1\r\n',
      'proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n',
    ];
    for (const b of bad) assert.equal(parseProxyHeader(Buffer.from(b)).status, 'invalid', b);
  });
});

describe('PROXY protocol v2 (spec §2.2)', () => {
  test('PROXY over TCP/IPv4, TLVs skipped, stream bytes left after the header', () => {
    const tlvs = Buffer.concat([
      tlv(0x01, Buffer.from('xmpp-client')), // PP2_TYPE_ALPN
      tlv(0x04, Buffer.alloc(5)), // PP2_TYPE_NOOP
    ]);
    const header = v2(
      0x21,
      0x11,
      Buffer.concat([inet([127, 0, 0, 5], [10, 0, 0, 1], 40000, 5222), tlvs]),
    );
    const r = done(parseProxyHeader(Buffer.concat([header, Buffer.from('<stream')])));
    assert.equal(r.length, header.length);
    assert.deepEqual(r.header, {
      version: 2,
      source: { ip: '127.0.0.5', port: 40000 },
      destination: { ip: '10.0.0.1', port: 5222 },
    });
  });

  test('PROXY over TCP/IPv6', () => {
    const body = Buffer.alloc(36);
    Buffer.from('20010db8000000000000000000000042', 'hex').copy(body, 0);
    Buffer.from('00000000000000000000000000000001', 'hex').copy(body, 16);
    body.writeUInt16BE(51000, 32);
    body.writeUInt16BE(443, 34);
    const r = done(parseProxyHeader(v2(0x21, 0x21, body)));
    assert.deepEqual(r.header.source, { ip: '2001:db8::42', port: 51000 });
    assert.deepEqual(r.header.destination, { ip: '::1', port: 443 });
  });

  test('an IPv4-mapped IPv6 source reports the IPv4 address', () => {
    const body = Buffer.alloc(36);
    Buffer.from('00000000000000000000ffffc0000201', 'hex').copy(body, 0);
    assert.equal(done(parseProxyHeader(v2(0x21, 0x21, body))).header.source?.ip, '192.0.2.1');
  });

  test('LOCAL (health checks): no address, even when a block is present', () => {
    assert.deepEqual(done(parseProxyHeader(v2(0x20, 0x00, Buffer.alloc(0)))).header, {
      version: 2,
    });
    const withBlock = v2(0x20, 0x11, inet([1, 2, 3, 4], [5, 6, 7, 8], 1, 2));
    const r = done(parseProxyHeader(withBlock));
    assert.equal(r.header.source, undefined);
    assert.equal(r.length, 28);
  });

  test('PROXY with UNSPEC or UNIX family keeps the real endpoints', () => {
    assert.equal(done(parseProxyHeader(v2(0x21, 0x00, Buffer.alloc(0)))).header.source, undefined);
    assert.equal(
      done(parseProxyHeader(v2(0x21, 0x31, Buffer.alloc(216)))).header.source,
      undefined,
    );
  });

  test('incomplete until the declared length has arrived', () => {
    const h = v2(0x21, 0x11, inet([1, 2, 3, 4], [5, 6, 7, 8], 1, 2));
    for (const n of [1, 11, 12, 15, 16, 27]) {
      assert.deepEqual(parseProxyHeader(h.subarray(0, n)), { status: 'incomplete' }, `${n}`);
    }
    assert.equal(parseProxyHeader(h).status, 'done');
  });

  test('refused: wrong version, unknown command or family, short block, too large', () => {
    const block = inet([1, 2, 3, 4], [5, 6, 7, 8], 1, 2);
    const cases: [string, Buffer][] = [
      ['version 1', v2(0x11, 0x11, block)],
      ['command 2', v2(0x22, 0x11, block)],
      ['family 4', v2(0x21, 0x41, block)],
      ['short INET', v2(0x21, 0x11, Buffer.alloc(8))],
      ['short INET6', v2(0x21, 0x21, Buffer.alloc(20))],
      ['too large', v2(0x21, 0x11, Buffer.alloc(0), 5000)],
      ['bad signature', Buffer.concat([Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x01]), block])],
    ];
    for (const [name, buf] of cases) {
      assert.equal(parseProxyHeader(buf).status, 'invalid', name);
    }
    assert.equal(parseProxyHeader(v2(0x21, 0x11, block), 20).status, 'invalid');
  });
});

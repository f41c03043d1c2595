import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  connect,
  createSecureContext,
  type SecureContext,
  type SecureVersion,
  type TLSSocket,
  TLSSocket as TlsSocket,
} from 'node:tls';
import { promisify } from 'node:util';
import { certSignatureHash, serverEndPoint, tlsChannelBindings } from './channel-binding.ts';
import type { ChannelBinding } from './types.ts';

const run = promisify(execFile);
let dir = '';

/** A self-signed certificate made by the openssl CLI with the given key and digest options. */
async function makeCert(name: string, keyArgs: string[], digest?: string) {
  const keyfile = join(dir, `${name}.key`);
  const certfile = join(dir, `${name}.crt`);
  await run('openssl', [
    'req',
    '-x509',
    ...keyArgs,
    ...(digest ? [`-${digest}`] : []),
    '-nodes',
    '-keyout',
    keyfile,
    '-out',
    certfile,
    '-days',
    '2',
    '-subj',
    '/CN=localhost',
  ]);
  const pem = await readFile(certfile, 'utf8');
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  return { key: await readFile(keyfile), cert: await readFile(certfile), der };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meerkat-cb-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tls-server-end-point hash (RFC 5929 §4.1)', () => {
  const rsa = ['-newkey', 'rsa:2048'];
  const cases: { name: string; key: string[]; digest?: string; hash: string | undefined }[] = [
    {
      name: 'ecdsa-sha256',
      key: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
      digest: 'sha256',
      hash: 'sha256',
    },
    {
      name: 'ecdsa-sha384',
      key: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:secp384r1'],
      digest: 'sha384',
      hash: 'sha384',
    },
    { name: 'rsa-sha1', key: rsa, digest: 'sha1', hash: 'sha256' },
    { name: 'rsa-sha256', key: rsa, digest: 'sha256', hash: 'sha256' },
    { name: 'rsa-sha512', key: rsa, digest: 'sha512', hash: 'sha512' },
    {
      name: 'rsa-pss-sha384',
      key: ['-newkey', 'rsa-pss', '-pkeyopt', 'rsa_keygen_bits:2048'],
      digest: 'sha384',
      hash: 'sha384',
    },
    { name: 'ed25519', key: ['-newkey', 'ed25519'], hash: undefined },
  ];
  for (const c of cases) {
    test(`${c.name}: ${c.hash ?? 'no binding'}`, async () => {
      const { der } = await makeCert(c.name, c.key, c.digest);
      assert.equal(certSignatureHash(der), c.hash);
      const expected = c.hash ? createHash(c.hash).update(der).digest() : undefined;
      assert.deepEqual(serverEndPoint(der), expected);
    });
  }

  test('garbage is no certificate', () => {
    assert.equal(certSignatureHash(Buffer.from('not DER')), undefined);
    assert.equal(certSignatureHash(Buffer.from([0x30, 0x85, 1, 2, 3, 4, 5])), undefined);
    assert.equal(certSignatureHash(Buffer.alloc(0)), undefined);
  });
});

/** One real loopback TLS connection: the server side's bindings and the client socket. */
async function handshake(
  ctx: SecureContext,
  version: SecureVersion,
  session?: Buffer,
): Promise<{
  server: ChannelBinding[];
  client: TLSSocket;
  reused: boolean;
  session: Buffer | undefined;
}> {
  let serverSide: Promise<ChannelBinding[]> | undefined;
  const tcp: Server = createServer((raw) => {
    const s = new TlsSocket(raw, { isServer: true, secureContext: ctx });
    serverSide = new Promise((resolve, reject) => {
      s.once('secure', () => resolve(tlsChannelBindings(s)));
      s.once('error', reject);
    });
  });
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
  const port = (tcp.address() as { port: number }).port;
  const client = connect({
    port,
    host: '127.0.0.1',
    rejectUnauthorized: false,
    minVersion: version,
    maxVersion: version,
    session,
  });
  await new Promise<void>((resolve, reject) => {
    client.once('secureConnect', resolve);
    client.once('error', reject);
  });
  while (!serverSide) await new Promise((r) => setImmediate(r));
  const server = await serverSide;
  tcp.close();
  return { server, client, reused: client.isSessionReused(), session: client.getSession() };
}

describe('channel-binding types of a real TLS connection', () => {
  let ctx: SecureContext;
  let der: Buffer;
  before(async () => {
    const c = await makeCert('server', [
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
    ]);
    ctx = createSecureContext({ key: c.key, cert: c.cert, minVersion: 'TLSv1.2' });
    der = c.der;
  });

  test('TLS 1.3: tls-exporter and tls-server-end-point, equal to what the client computes', async () => {
    const { server, client } = await handshake(ctx, 'TLSv1.3');
    assert.deepEqual(
      server.map((b) => b.type),
      ['tls-exporter', 'tls-server-end-point'],
    );
    const exporter = client.exportKeyingMaterial(32, 'EXPORTER-Channel-Binding', Buffer.alloc(0));
    assert.deepEqual(server[0]!.data, exporter);
    assert.deepEqual(server[1]!.data, createHash('sha256').update(der).digest());
    assert.deepEqual(client.getPeerCertificate(false).raw, der);
    client.destroy();
  });

  test('TLS 1.2: tls-unique (the client Finished) and tls-server-end-point', async () => {
    const { server, client, reused } = await handshake(ctx, 'TLSv1.2');
    assert.equal(reused, false);
    assert.deepEqual(
      server.map((b) => b.type),
      ['tls-unique', 'tls-server-end-point'],
    );
    // RFC 5929 §3.1: the first Finished of the handshake; in a full one, the client's.
    assert.deepEqual(server[0]!.data, client.getFinished());
    assert.notDeepEqual(server[0]!.data, client.getPeerFinished());
    assert.deepEqual(server[1]!.data, createHash('sha256').update(der).digest());
    client.destroy();
  });

  test('TLS 1.2 resumed: tls-unique is the server Finished, sent first', async () => {
    const first = await handshake(ctx, 'TLSv1.2');
    first.client.destroy();
    const { server, client, reused } = await handshake(ctx, 'TLSv1.2', first.session);
    assert.equal(reused, true);
    assert.equal(server[0]!.type, 'tls-unique');
    assert.deepEqual(server[0]!.data, client.getPeerFinished());
    client.destroy();
  });

  test('each connection binds to different data', async () => {
    const a = await handshake(ctx, 'TLSv1.3');
    const b = await handshake(ctx, 'TLSv1.3');
    assert.notDeepEqual(a.server[0]!.data, b.server[0]!.data);
    const c = await handshake(ctx, 'TLSv1.2');
    const d = await handshake(ctx, 'TLSv1.2');
    assert.notDeepEqual(c.server[0]!.data, d.server[0]!.data);
    for (const x of [a, b, c, d]) x.client.destroy();
  });
});

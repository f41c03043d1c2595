import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Element, NS_CLIENT, x } from '../../src/xml/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';

const SLIXMPP_UPLOAD = fileURLToPath(new URL('../support/slixmpp-upload.py', import.meta.url));
const MiB = 1024 * 1024;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { env: { ...process.env, ...env }, timeout: 90_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** GET with the server's self-signed certificate as the only trusted one. */
function download(url: string, ca: Buffer): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    httpsGet(url, { ca }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

const isChat = (el: Element) =>
  el.name === 'message' && el.getChild('body', NS_CLIENT) !== undefined;

describe('mod_http_upload with real clients: go-sendxmpp and slixmpp (XEP-0363)', () => {
  let server: TestServer;
  let bob: TestClient;
  let certfile: string;
  let ca: Buffer;
  before(async () => {
    server = await startTestServer({
      toml: `[modules.mod_disco]\n[modules.mod_presence]\n[modules.mod_roster]\n[modules.mod_http_upload]\nmax_file_size = ${2 * MiB}\nquota = ${3 * MiB}\n`,
    });
    for (const u of ['alice', 'carol', 'dave', 'bob']) await server.register(u, 'secret');
    bob = await TestClient.connect(server.plainPort);
    await bob.login('bob', 'secret', { mechanism: 'PLAIN', starttls: false, resource: 'r' });
    // Available, so that chat messages to the bare JID reach this resource (RFC 6121 §8.5.2).
    bob.send(x('presence', NS_CLIENT));
    await bob.expect((el) => el.name === 'presence');
    certfile = join(server.dataDir, 'tls', 'self-signed.crt');
    ca = await readFile(certfile);
  });
  after(async () => {
    bob.close();
    await server.stop();
  });

  async function file(name: string, size: number): Promise<{ path: string; bytes: Buffer }> {
    const bytes = randomBytes(size);
    const path = join(server.dataDir, name);
    await writeFile(path, bytes);
    return { path, bytes };
  }

  async function receivedUrl(): Promise<string> {
    const msg = await bob.expect(isChat, 30_000);
    return msg.getChild('body', NS_CLIENT)!.text().trim();
  }

  test('go-sendxmpp -h uploads through Meerkat and the receiver downloads the same bytes', async () => {
    const { path, bytes } = await file('photo.bin', 300_000);
    // -n: no certificate check on the XMPP stream; the HTTPS PUT trusts SSL_CERT_FILE (Go's
    // crypto/x509 reads it), since go-sendxmpp has no option for its HTTP client.
    const r = await run(
      'go-sendxmpp',
      [
        '-u',
        'alice@localhost',
        '-p',
        'secret',
        '-j',
        `127.0.0.1:${server.port}`,
        '-n',
        '-h',
        path,
        'bob@localhost',
      ],
      { SSL_CERT_FILE: certfile, HOME: server.dataDir },
    );
    assert.equal(r.code, 0, r.stderr);
    const url = await receivedUrl();
    assert.match(url, /^https:\/\/localhost:\d+\/upload\/[\w-]{22}\/photo\.bin$/);
    const got = await download(url, ca);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, bytes);
  });

  test("slixmpp's xep_0363 plugin uploads and the receiver downloads the same bytes", async () => {
    const { path, bytes } = await file('voice.ogg', 700_000);
    const r = await run(
      '/usr/bin/python3',
      [
        SLIXMPP_UPLOAD,
        'carol@localhost',
        'secret',
        '127.0.0.1',
        String(server.port),
        path,
        'bob@localhost',
      ],
      { SSL_CERT_FILE: certfile },
    );
    assert.equal(r.code, 0, r.stderr);
    const url = r.stdout.trim();
    assert.equal(await receivedUrl(), url);
    const got = await download(url, ca);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, bytes);
  });

  test('slixmpp past the quota gets resource-constraint and nothing is stored', async () => {
    const { path } = await file('big.bin', 1.8 * MiB);
    const args = [
      SLIXMPP_UPLOAD,
      'dave@localhost',
      'secret',
      '127.0.0.1',
      String(server.port),
      path,
      'bob@localhost',
    ];
    const first = await run('/usr/bin/python3', args, { SSL_CERT_FILE: certfile });
    assert.equal(first.code, 0, first.stderr);
    await receivedUrl();
    const before = (await readdir(join(server.dataDir, 'upload'))).length;
    const second = await run('/usr/bin/python3', args, { SSL_CERT_FILE: certfile });
    assert.equal(second.code, 1);
    assert.match(second.stderr, /iq-error resource-constraint/);
    assert.equal((await readdir(join(server.dataDir, 'upload'))).length, before);
  });
});

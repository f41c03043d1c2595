import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openDatabase } from '../../src/storage/index.ts';
import {
  type Element,
  NS_CLIENT,
  NS_DATA_FORMS,
  NS_DISCO_INFO,
  NS_DISCO_ITEMS,
  NS_STANZAS,
  x,
} from '../../src/xml/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';

const NS_UPLOAD = 'urn:xmpp:http:upload:0';
const SERVICE = 'upload.localhost';
const MAX = 64 * 1024;

interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One HTTPS request to the test server (self-signed certificate). */
function http(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: Buffer } = {},
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      { method: opts.method ?? 'GET', headers: opts.headers, rejectUnauthorized: false },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(parts),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

async function user(server: TestServer, name: string): Promise<TestClient> {
  await server.register(name, 'secret');
  const c = await TestClient.connect(server.plainPort);
  await c.login(name, 'secret', { mechanism: 'PLAIN', starttls: false, resource: 'r' });
  return c;
}

function requestSlot(c: TestClient, filename: string, size: number, type?: string) {
  return c.iq(
    x(
      'iq',
      NS_CLIENT,
      { type: 'get', to: SERVICE },
      x('request', NS_UPLOAD, { filename, size: String(size), 'content-type': type }),
    ),
  );
}

function slotUrls(iq: Element): { put: string; get: string } {
  assert.equal(iq.attrs.type, 'result', `slot refused: ${JSON.stringify(iq.attrs)}`);
  const slot = iq.getChild('slot', NS_UPLOAD);
  const put = slot?.getChild('put', NS_UPLOAD)?.attrs.url;
  const get = slot?.getChild('get', NS_UPLOAD)?.attrs.url;
  assert.ok(put && get);
  return { put, get };
}

function errorOf(iq: Element): { type?: string; condition?: string; app?: Element } {
  const err = iq.getChild('error', NS_CLIENT);
  const children = err?.elements() ?? [];
  return {
    type: err?.attrs.type,
    condition: children.find((e) => e.ns === NS_STANZAS && e.name !== 'text')?.name,
    app: children.find((e) => e.ns === NS_UPLOAD),
  };
}

describe('mod_http_upload: slots, PUT and GET (XEP-0363)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      toml: `[modules.mod_disco]\n[modules.mod_http_upload]\nmax_file_size = ${MAX}\nquota = ${3 * MAX}\ndaily_quota = ${5 * MAX}\n`,
    });
  });
  after(async () => {
    await server.stop();
  });

  test('the domain lists upload.localhost; its disco#info has identity, feature and max-file-size', async () => {
    const c = await user(server, 'disco');
    const items = await c.iq(
      x('iq', NS_CLIENT, { type: 'get', to: 'localhost' }, x('query', NS_DISCO_ITEMS)),
    );
    const jids = items.getChild('query', NS_DISCO_ITEMS)?.getChildren('item', NS_DISCO_ITEMS);
    assert.ok(jids?.some((i) => i.attrs.jid === SERVICE));
    const info = await c.iq(
      x('iq', NS_CLIENT, { type: 'get', to: SERVICE }, x('query', NS_DISCO_INFO)),
    );
    const q = info.getChild('query', NS_DISCO_INFO)!;
    const id = q.getChild('identity', NS_DISCO_INFO)!;
    assert.deepEqual([id.attrs.category, id.attrs.type], ['store', 'file']);
    assert.ok(q.getChildren('feature', NS_DISCO_INFO).some((f) => f.attrs.var === NS_UPLOAD));
    const fields = q.getChild('x', NS_DATA_FORMS)!.getChildren('field', NS_DATA_FORMS);
    const value = (v: string) =>
      fields
        .find((f) => f.attrs.var === v)
        ?.getChild('value', NS_DATA_FORMS)
        ?.text();
    assert.equal(value('FORM_TYPE'), NS_UPLOAD);
    assert.equal(value('max-file-size'), String(MAX));
    c.close();
  });

  test('a slot uploads with PUT (201) and downloads with GET, ranges and headers', async () => {
    const c = await user(server, 'alice');
    const bytes = randomBytes(40_000);
    const { put, get } = slotUrls(
      await requestSlot(c, 'my juliet.jpg', bytes.length, 'image/jpeg'),
    );
    assert.match(
      put,
      /^https:\/\/localhost:\d+\/upload\/[A-Za-z0-9_-]{22}\/my%20juliet\.jpg\?token=/,
    );
    assert.equal(put.split('?')[0], get);
    const pre = await http(get);
    assert.equal(pre.status, 404, 'nothing to GET before the PUT');
    const r = await http(put, {
      method: 'PUT',
      headers: { 'content-type': 'image/jpeg', 'content-length': String(bytes.length) },
      body: bytes,
    });
    assert.equal(r.status, 201);
    const g = await http(get);
    assert.equal(g.status, 200);
    assert.deepEqual(g.body, bytes);
    assert.equal(g.headers['content-type'], 'image/jpeg');
    assert.equal(g.headers['content-length'], String(bytes.length));
    assert.match(String(g.headers['cache-control']), /max-age=\d+/);
    assert.match(String(g.headers['content-disposition']), /^inline; filename="my juliet\.jpg"/);
    assert.equal(g.headers['access-control-allow-origin'], '*');
    const part = await http(get, { headers: { range: 'bytes=100-199' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers['content-range'], `bytes 100-199/${bytes.length}`);
    assert.deepEqual(part.body, bytes.subarray(100, 200));
    const tail = await http(get, { headers: { range: 'bytes=-10' } });
    assert.deepEqual(tail.body, bytes.subarray(bytes.length - 10));
    const bad = await http(get, { headers: { range: `bytes=${bytes.length}-` } });
    assert.equal(bad.status, 416);
    assert.equal(bad.headers['content-range'], `bytes */${bytes.length}`);
    const again = await http(put, {
      method: 'PUT',
      headers: { 'content-type': 'image/jpeg', 'content-length': String(bytes.length) },
      body: bytes,
    });
    assert.equal(again.status, 409, 'a slot takes one PUT');
    const files = await readdir(join(server.dataDir, 'upload'));
    assert.equal(files.length, 1);
    assert.equal((await stat(join(server.dataDir, 'upload', files[0]!))).mode & 0o777, 0o600);
    c.close();
  });

  test('CORS preflight is answered for web clients', async () => {
    const c = await user(server, 'cors');
    const { put } = slotUrls(await requestSlot(c, 'a.txt', 5, 'text/plain'));
    const r = await http(put, {
      method: 'OPTIONS',
      headers: { origin: 'https://web.example', 'access-control-request-method': 'PUT' },
    });
    assert.equal(r.status, 204);
    assert.equal(r.headers['access-control-allow-origin'], '*');
    assert.match(String(r.headers['access-control-allow-methods']), /PUT/);
    assert.match(String(r.headers['access-control-allow-headers']), /Content-Type/i);
    c.close();
  });

  test('an over-size request is refused with file-too-large and max-file-size', async () => {
    const c = await user(server, 'big');
    const r = await requestSlot(c, 'big.bin', MAX + 1);
    const e = errorOf(r);
    assert.deepEqual(
      [e.type, e.condition, e.app?.name],
      ['modify', 'not-acceptable', 'file-too-large'],
    );
    assert.equal(e.app?.getChild('max-file-size', NS_UPLOAD)?.text(), String(MAX));
    c.close();
  });

  test('past the quota a request gets resource-constraint with a retry stamp', async () => {
    const c = await user(server, 'quota');
    for (let i = 0; i < 3; i++) slotUrls(await requestSlot(c, `f${i}.bin`, MAX));
    const e = errorOf(await requestSlot(c, 'one-more.bin', 1));
    assert.deepEqual([e.type, e.condition, e.app?.name], ['wait', 'resource-constraint', 'retry']);
    assert.match(e.app?.attrs.stamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    c.close();
  });

  test('a PUT with the wrong length or type is refused and stores nothing', async () => {
    const c = await user(server, 'wrong');
    const bytes = randomBytes(1000);
    const { put, get } = slotUrls(await requestSlot(c, 'w.png', bytes.length, 'image/png'));
    const longer = await http(put, {
      method: 'PUT',
      headers: { 'content-type': 'image/png' },
      body: Buffer.concat([bytes, bytes]),
    });
    assert.equal(longer.status, 413);
    const shorter = await http(put, {
      method: 'PUT',
      headers: { 'content-type': 'image/png' },
      body: bytes.subarray(1),
    });
    assert.equal(shorter.status, 400);
    const typed = await http(put, {
      method: 'PUT',
      headers: { 'content-type': 'text/html' },
      body: bytes,
    });
    assert.equal(typed.status, 415);
    const forged = await http(put.replace(/token=.*/, 'token=AAAA'), {
      method: 'PUT',
      headers: { 'content-type': 'image/png' },
      body: bytes,
    });
    assert.equal(forged.status, 403);
    assert.equal((await http(get)).status, 404, 'nothing was stored');
    // The slot is still usable by a correct PUT.
    const ok = await http(put, {
      method: 'PUT',
      headers: { 'content-type': 'image/png' },
      body: bytes,
    });
    assert.equal(ok.status, 201);
    c.close();
  });

  test('a GET of an unknown or expired file is refused; the purge deletes expired files', async () => {
    const c = await user(server, 'expiry');
    const bytes = randomBytes(500);
    const { put, get } = slotUrls(await requestSlot(c, 'e.bin', bytes.length));
    assert.equal((await http(put, { method: 'PUT', body: bytes })).status, 201);
    assert.equal(
      (await http(get.replace(/upload\/[^/]+/, 'upload/AAAAAAAAAAAAAAAAAAAAAA'))).status,
      404,
    );
    const id = new URL(get).pathname.split('/')[2]!;
    const db = await openDatabase({ backend: 'sqlite', path: server.config.storage.sqlite.path });
    try {
      await db.run('UPDATE upload_files SET expires_at = 0 WHERE id = ?', [id]);
    } finally {
      await db.close();
    }
    assert.equal((await http(get)).status, 410);
    const purge = server.node.modules.commands().find((cmd) => cmd.name === 'http_upload_purge');
    const out = await purge!.run([]);
    assert.ok((out.json as { purged: number }).purged >= 1);
    assert.equal((await http(get)).status, 404);
    assert.ok(!(await readdir(join(server.dataDir, 'upload'))).includes(id));
    c.close();
  });
});

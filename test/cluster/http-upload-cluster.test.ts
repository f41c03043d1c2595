import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { type Element, NS_CLIENT, x } from '../../src/xml/index.ts';
import { type InProcessClusterNode, startClusterNode } from '../support/cluster-node.ts';
import { freePort, type NatsServer, startNats } from '../support/nats-server.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { TestClient } from '../support/xmpp-client.ts';

const NS_UPLOAD = 'urn:xmpp:http:upload:0';

async function until(pred: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function http(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: Buffer } = {},
): Promise<{ status: number; body: Buffer; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts), headers: res.headers }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** The same URL on another node's HTTP listener (a load balancer could pick any). */
function onNode(url: string, node: InProcessClusterNode): string {
  const u = new URL(url);
  u.port = String(node.httpPort);
  return u.toString();
}

async function slot(
  c: TestClient,
  filename: string,
  size: number,
): Promise<{ put: string; get: string }> {
  const r: Element = await c.iq(
    x(
      'iq',
      NS_CLIENT,
      { type: 'get', to: 'upload.localhost' },
      x('request', NS_UPLOAD, { filename, size: String(size), 'content-type': 'image/png' }),
    ),
  );
  assert.equal(r.attrs.type, 'result');
  const s = r.getChild('slot', NS_UPLOAD)!;
  return {
    put: s.getChild('put', NS_UPLOAD)!.attrs.url!,
    get: s.getChild('get', NS_UPLOAD)!.attrs.url!,
  };
}

describe('HTTP File Upload in a cluster: files in PostgreSQL, any node serves any file', () => {
  let nats: NatsServer;
  let db: { url: string; dispose(): Promise<void> };
  let a: InProcessClusterNode;
  let b: InProcessClusterNode;
  let alice: TestClient;

  before(async () => {
    nats = await startNats();
    db = await createTestDatabase();
    const base = await freePort();
    const common = {
      natsUrl: nats.url,
      pgUrl: db.url,
      cookie: 'upload-secret',
      portMin: base,
      portMax: base + 5,
      // backend = "auto": database rows on PostgreSQL.
      extraToml: '[modules.mod_disco]\n[modules.mod_http_upload]\n',
    };
    a = await startClusterNode({ ...common, name: 'a@localhost' });
    b = await startClusterNode({ ...common, name: 'b@localhost' });
    await b.node.admin.cluster!.join('a@localhost');
    await until(
      () => a.node.admin.cluster!.members().filter((m) => m.state === 'running').length === 2,
    );
    await a.node.admin.accounts.register('alice', 'localhost', 'pw');
    alice = await TestClient.connect(a.port);
    await alice.login('alice', 'pw', { mechanism: 'PLAIN', starttls: false, resource: 'r' });
  });

  after(async () => {
    alice?.close();
    await b?.stop();
    await a?.stop();
    await nats?.dispose();
    await db?.dispose();
    if (a) await rm(a.dataDir, { recursive: true, force: true });
    if (b) await rm(b.dataDir, { recursive: true, force: true });
  });

  test('a slot from node A, PUT through A, GET (whole and a range) through B', async () => {
    const bytes = randomBytes(600_000);
    const { put, get } = await slot(alice, 'cluster.png', bytes.length);
    assert.equal(new URL(put).port, String(a.httpPort));
    const r = await http(put, {
      method: 'PUT',
      headers: { 'content-type': 'image/png' },
      body: bytes,
    });
    assert.equal(r.status, 201);
    const whole = await http(onNode(get, b));
    assert.equal(whole.status, 200);
    assert.deepEqual(whole.body, bytes);
    const part = await http(onNode(get, b), { headers: { range: 'bytes=262000-262999' } });
    assert.equal(part.status, 206);
    assert.deepEqual(part.body, bytes.subarray(262_000, 263_000));
    // Nothing on either node's disk: the bytes are database rows.
    for (const n of [a, b]) {
      const entries = await readdir(n.dataDir);
      assert.ok(!entries.includes('upload'), `${n.name} made no upload directory`);
    }
  });

  test('a PUT through B for a slot from A works once; a second PUT through A is refused (409)', async () => {
    const bytes = randomBytes(1000);
    const { put, get } = await slot(alice, 'second.png', bytes.length);
    const headers = { 'content-type': 'image/png' };
    assert.equal((await http(onNode(put, b), { method: 'PUT', headers, body: bytes })).status, 201);
    assert.equal((await http(put, { method: 'PUT', headers, body: bytes })).status, 409);
    assert.deepEqual((await http(get)).body, bytes);
  });
});

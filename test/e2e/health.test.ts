import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../support/test-server.ts';

function httpsGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('health endpoints on the HTTP listener', () => {
  let server: TestServer;
  let base: string;
  before(async () => {
    server = await startTestServer();
    base = `http://127.0.0.1:${server.httpPort}`;
  });
  after(async () => {
    await server.stop();
  });

  test('GET /health answers 200 {"status":"ok"}', async () => {
    const res = await fetch(`${base}/health`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.deepEqual(await res.json(), { status: 'ok' });
  });

  test('GET /ready answers 200 on a started node with reachable storage', async () => {
    const res = await fetch(`${base}/ready`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ready' });
  });

  test('a draining node answers /ready with 503 and the reason, /health stays 200', async () => {
    server.node.setDraining(true);
    try {
      const res = await fetch(`${base}/ready`);
      assert.equal(res.status, 503);
      assert.deepEqual(await res.json(), { status: 'not_ready', reasons: ['draining'] });
      assert.equal((await fetch(`${base}/health`)).status, 200);
    } finally {
      server.node.setDraining(false);
    }
    assert.equal((await fetch(`${base}/ready`)).status, 200);
  });

  test('unknown paths are 404, other methods 405, the WebSocket path without upgrade 426', async () => {
    assert.equal((await fetch(`${base}/nope`)).status, 404);
    assert.equal((await fetch(`${base}/`)).status, 404);
    assert.equal((await fetch(`${base}/health`, { method: 'POST' })).status, 405);
    assert.equal((await fetch(`${base}/ws-xmpp`)).status, 426);
  });

  test('the HTTPS listener serves the same endpoints', async () => {
    const health = await httpsGet(server.httpsPort, '/health');
    assert.equal(health.status, 200);
    assert.deepEqual(JSON.parse(health.body), { status: 'ok' });
    assert.equal((await httpsGet(server.httpsPort, '/ready')).status, 200);
  });
});

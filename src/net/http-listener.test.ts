import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { silentLogger } from '../observability/logger.ts';
import { HttpListener } from './http-listener.ts';

describe('HttpListener WebSocket heartbeat', () => {
  let listener: HttpListener;
  let port: number;
  const accepted: WebSocket[] = [];
  before(async () => {
    listener = new HttpListener({
      ip: '127.0.0.1',
      port: 0,
      paths: { websocket: '/ws-xmpp', health: true },
      trustedProxies: [],
      maxConnections: 10,
      maxMessageBytes: 1024,
      pingIntervalMs: 30,
      log: silentLogger(),
      ready: async () => ({ ready: true, reasons: [] }),
      onWebSocket: (ws) => {
        accepted.push(ws);
      },
    });
    port = await listener.listen();
  });
  after(async () => {
    listener.destroyAll();
    await listener.close();
  });

  test('a peer that never answers pings is dropped', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws-xmpp`, ['xmpp'], { autoPong: false });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.once('error', () => {});
    const code = await closed;
    // terminate() sends no close frame: the client sees an abnormal closure.
    assert.equal(code, 1006);
  });

  test('a peer that answers pings stays connected across several intervals', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws-xmpp`, ['xmpp']);
    let pings = 0;
    ws.on('ping', () => pings++);
    await new Promise<void>((resolve) => ws.once('open', () => resolve()));
    while (pings < 4) await new Promise((r) => setTimeout(r, 20));
    assert.equal(ws.readyState, WebSocket.OPEN);
    ws.close();
  });

  test('the negotiated subprotocol is xmpp', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws-xmpp`, ['foo', 'xmpp']);
    await new Promise<void>((resolve) => ws.once('open', () => resolve()));
    assert.equal(ws.protocol, 'xmpp');
    ws.close();
  });
});

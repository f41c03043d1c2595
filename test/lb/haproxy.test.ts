import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { NS_CLIENT, NS_STREAM, NS_STREAMS_ERR, x } from '../../src/xml/index.ts';
import { freePort } from '../support/nats-server.ts';
import type { TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';
import { type Haproxy, startHaproxy } from './support/haproxy.ts';
import {
  chat,
  collectBodies,
  documentedPorts,
  findSession,
  PW,
  startLbNode,
  TAG,
} from './support/lb-nodes.ts';

/** HAProxy connects to the nodes from this address; clients connect from 127.0.0.1. */
const HAPROXY_SOURCE = '127.0.0.2';
const u = (name: string) => `${name}${TAG}`;
const bare = (name: string) => `${u(name)}@localhost`;

describe('HAProxy (TCP mode, PROXY v2, /ready checks) in front of two nodes', () => {
  let a: TestServer;
  let b: TestServer;
  let haproxy: Haproxy;
  let lbPort: number;
  const nodes = () => [a, b] as const;
  const serverName = (s: TestServer) => (s === a ? 'node1' : 'node2');

  const login = async (port: number, user: string, opts: { directTls?: boolean } = {}) => {
    const c = await TestClient.connect(port, opts);
    await c.login(u(user), PW, { mechanism: 'PLAIN', resource: 'r' });
    c.send(x('presence', NS_CLIENT));
    return c;
  };

  before(async () => {
    lbPort = await freePort();
    // see-other-host sends draining nodes' clients back to the balancer.
    const cluster = `[cluster]\nadvertised_host = "127.0.0.1:${lbPort}"\n`;
    a = await startLbNode('node-haproxy', '10.0.0.2', HAPROXY_SOURCE, cluster);
    b = await startLbNode('node-haproxy', '10.0.0.2', HAPROXY_SOURCE, cluster);
    haproxy = await startHaproxy([documentedPorts(a), documentedPorts(b)], {
      source: HAPROXY_SOURCE,
      port: lbPort,
    });
    await haproxy.waitForStatus('node1', 'UP');
    await haproxy.waitForStatus('node2', 'UP');
    for (const name of ['alice', 'bob', 'carol', 'dave', 'erin']) {
      // Registered on one node, found by the other: one PostgreSQL database.
      await a.register(u(name), PW);
    }
  });

  after(async () => {
    await haproxy?.stop();
    await a?.stop();
    await b?.stop();
  });

  test('clients log in through HAProxy; nodes see the client address, not the proxy one', async () => {
    const starttls = await login(haproxy.port, 'alice');
    const direct = await login(haproxy.tlsPort, 'bob', { directTls: true });
    for (const name of ['alice', 'bob']) {
      const found = findSession(nodes(), bare(name));
      assert.ok(found, `${name} has a session`);
      // HAProxy connected from 127.0.0.2; the PROXY v2 header said 127.0.0.1.
      assert.equal(found.session.ip, '127.0.0.1');
    }
    const checks = await haproxy.servers();
    assert.ok(
      checks.every((r) => r.status === 'UP' && r.checkStatus === 'L7OK'),
      `${checks}`,
    );
    starttls.close();
    direct.close();
  });

  test('a PROXY header from an address that is not a trusted proxy is refused', async () => {
    const { c2s } = documentedPorts(a);
    const header = 'PROXY TCP4 203.0.113.9 127.0.0.1 40000 5222\r\n';
    const open = `<?xml version='1.0'?><stream:stream to='localhost' xmlns='${NS_CLIENT}' xmlns:stream='${NS_STREAM}' version='1.0'>`;
    const talk = async (localAddress: string) => {
      const s = connect({ host: '127.0.0.1', port: c2s, localAddress });
      await once(s, 'connect');
      let got = '';
      s.on('data', (d) => {
        got += String(d);
        if (got.includes('<stream:features')) s.destroy();
      });
      s.on('error', () => {});
      s.write(header + open);
      await once(s, 'close');
      return got;
    };
    // 127.0.0.1 is not in trusted_proxies: closed without a word.
    assert.equal(await talk('127.0.0.1'), '');
    // The same bytes from the trusted proxy address open a stream (the control).
    assert.match(await talk(HAPROXY_SOURCE), /<stream:features/);
  });

  test('drain: /ready 503, HAProxy takes the node out, its clients move without losing a message', async () => {
    const carol = await login(haproxy.port, 'carol');
    const found = findSession(nodes(), bare('carol'));
    assert.ok(found);
    const drained = found.server;
    const other = drained === a ? b : a;
    // The sender stays on the other node (connected to it directly).
    const dave = await TestClient.connect(other.plainPort);
    await dave.login(u('dave'), PW, { mechanism: 'PLAIN', starttls: false });

    const total = 60;
    let sent = 0;
    const sending = (async () => {
      for (; sent < total; ) {
        dave.send(chat(bare('carol'), `m${++sent}`));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    while (sent < 10) await new Promise((r) => setTimeout(r, 20));

    const drain = drained.node.drain({ graceMs: 3000, batchPercent: 50, intervalMs: 200 });
    const ready = await fetch(`http://127.0.0.1:${documentedPorts(drained).http}/ready`);
    assert.equal(ready.status, 503);
    assert.deepEqual(((await ready.json()) as { reasons: string[] }).reasons, ['draining']);
    // HAProxy's checks read the 503 and take the node out of rotation.
    const down = await haproxy.waitForStatus(serverName(drained), 'DOWN');
    assert.ok(down.every((r) => r.checkStatus === 'L7STS' && r.checkCode === '503'));

    // The node asks carol to reconnect to the balancer, which sends her to the other node.
    const err = await carol.expectName('error', NS_STREAM, 15_000);
    const redirect = err.getChild('see-other-host', NS_STREAMS_ERR)?.text();
    assert.equal(redirect, `127.0.0.1:${lbPort}`);
    const carol2 = await login(Number(redirect?.split(':')[1]), 'carol');
    assert.equal(findSession(nodes(), bare('carol'))?.server, other);

    // New clients land on the remaining node only.
    const erin = await login(haproxy.port, 'erin');
    assert.equal(findSession(nodes(), bare('erin'))?.server, other);

    await sending;
    const bodies = new Set<string>();
    for (const el of carol.pending())
      if (el.name === 'message') bodies.add(el.getChildText('body') ?? '');
    await collectBodies(carol2, bodies, () => bodies.size === total);
    assert.deepEqual(
      [...bodies].sort(),
      Array.from({ length: total }, (_, i) => `m${i + 1}`).sort(),
    );

    const report = await drain;
    assert.equal(report.remaining, 0);
    assert.ok(report.asked >= 1);
    assert.equal(drained.node.sm.count(), 0);
    for (const c of [carol2, dave, erin]) c.close();
  });
});

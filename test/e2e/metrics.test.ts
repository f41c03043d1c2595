import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';
import { stopXmppJs, xml, xmppJs } from '../support/xmpp-js.ts';

(globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;

/** Series name (with labels) → value, from the Prometheus text format. */
type Samples = Map<string, number>;

function parse(text: string): Samples {
  const m: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const sp = line.lastIndexOf(' ');
    m.set(line.slice(0, sp), Number(line.slice(sp + 1)));
  }
  return m;
}

describe('Prometheus metrics move with real traffic', () => {
  let server: TestServer;
  let limitedPort: number;
  const scrape = async (): Promise<Samples> => {
    const res = await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    return parse(await res.text());
  };
  const v = (s: Samples, series: string) => s.get(series) ?? 0;
  /** Scrapes until `series` has `want` (session gauges change after the socket closes). */
  const until = async (series: string, want: number): Promise<void> => {
    for (let i = 0; i < 100; i++) {
      if (v(await scrape(), series) === want) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(v(await scrape(), series), want, series);
  };

  before(async () => {
    server = await startTestServer({
      metrics: true,
      toml: `
[[listen.http]]
port = 5283
ip = "127.0.0.1"
max_connections = 1
`,
    });
    limitedPort = server.node.httpPorts()[2]!;
    for (const u of ['m1', 'm2', 'mw']) await server.register(u, 'pw');
  });
  after(async () => {
    await server.stop();
  });

  test('the metrics listener serves /metrics only', async () => {
    const res = await fetch(`http://127.0.0.1:${server.metricsPort}/other`);
    assert.equal(res.status, 404);
  });

  test('logins, auth failures, stanzas, sessions by transport, latencies', async () => {
    const t0 = await scrape();
    const a = await TestClient.connect(server.plainPort);
    const b = await TestClient.connect(server.plainPort);
    await a.login('m1', 'pw', { mechanism: 'PLAIN', starttls: false, resource: 'a' });
    await b.login('m2', 'pw', { mechanism: 'PLAIN', starttls: false, resource: 'b' });
    const web = await xmppJs({
      service: `ws://127.0.0.1:${server.httpPort}/ws-xmpp`,
      username: 'mw',
      password: 'pw',
      resource: 'w',
      mechanism: 'SCRAM-SHA-1',
    });
    const bad = await TestClient.connect(server.plainPort);
    await assert.rejects(
      bad.login('m1', 'wrong', { mechanism: 'PLAIN', starttls: false, resource: 'x' }),
    );
    bad.close();
    try {
      for (let i = 0; i < 3; i++) {
        const got = b.expect((el) => el.name === 'message' && el.attrs.id === `n${i}`, 5000);
        a.sendRaw(
          `<message to='m2@localhost/b' id='n${i}' type='chat'><body>${i}</body></message>`,
        );
        await got;
      }
      const got = b.expect((el) => el.name === 'message' && el.attrs.id === 'fromws', 5000);
      await web.send(xml('message', { to: 'm2@localhost/b', id: 'fromws', type: 'chat' }));
      await got;

      const t1 = await scrape();
      const d = (series: string) => v(t1, series) - v(t0, series);
      assert.equal(d('meerkat_logins_total{mechanism="PLAIN"}'), 2);
      assert.equal(d('meerkat_logins_total{mechanism="SCRAM-SHA-1"}'), 1);
      assert.equal(d('meerkat_auth_failures_total{mechanism="PLAIN"}'), 1);
      assert.equal(d('meerkat_stanzas_in_total{kind="message"}'), 4);
      assert.equal(d('meerkat_stanzas_out_total{kind="message"}'), 4);
      assert.equal(v(t1, 'meerkat_sessions{transport="tcp"}'), 2);
      assert.equal(v(t1, 'meerkat_sessions{transport="ws"}'), 1);
      assert.ok(d('meerkat_routing_duration_seconds_count') >= 4);
      assert.ok(d('meerkat_storage_duration_seconds_count{op="query"}') >= 4, 'secret lookups');
      assert.ok(v(t1, 'meerkat_open_fds') > 0);
      assert.ok(v(t1, 'meerkat_fd_limit') > 0);
      assert.ok(t1.has('meerkat_event_loop_lag_seconds{quantile="0.99"}'));
    } finally {
      a.close();
      b.close();
      await stopXmppJs(web);
    }
    await until('meerkat_sessions{transport="ws"}', 0);
    await until('meerkat_sessions{transport="tcp"}', 0);
  });

  test('connections refused by max_connections are counted per listener', async () => {
    const series = 'meerkat_connections_refused_total{listener="http"}';
    const before = v(await scrape(), series);
    const held: Socket = connect(limitedPort, '127.0.0.1');
    await new Promise<void>((r) => held.once('connect', () => r()));
    try {
      // The listener is full: the next connection is closed at accept.
      const res = await fetch(`http://127.0.0.1:${limitedPort}/health`).catch((e: unknown) => e);
      assert.ok(res instanceof Error, 'the second connection is refused');
      assert.equal(v(await scrape(), series), before + 1);
    } finally {
      held.destroy();
    }
  });
});

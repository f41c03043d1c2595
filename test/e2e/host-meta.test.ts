import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { NS_CLIENT, NS_DATA_FORMS, NS_DISCO_INFO, x } from '../../src/xml/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';

const WS = 'urn:xmpp:alt-connections:websocket';
const BOSH = 'urn:xmpp:alt-connections:xbosh';

/** GET over HTTPS to the test server's self-signed listener. */
function getTls(port: number, path: string, host = `localhost:${port}`) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path, headers: { host }, rejectUnauthorized: false },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => {
            body += d;
          });
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
        },
      );
      req.on('error', reject);
      req.end();
    },
  );
}

describe('XEP-0156 host-meta and XEP-0157 contact addresses', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      toml: `
[modules.mod_disco]
server_info = [
  { name = "admin-addresses", urls = ["mailto:admin@localhost", "xmpp:admin@localhost"] },
  { name = "abuse-addresses", urls = ["https://localhost/abuse"] },
]
`,
    });
    await server.register('hm', 'pw-hm');
  });
  after(async () => {
    await server.stop();
  });

  test('host-meta (XRD) over plain HTTP links the ws:// and http:// endpoints of that listener', async () => {
    const res = await fetch(`http://127.0.0.1:${server.httpPort}/.well-known/host-meta`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/xrd\+xml/);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    const body = await res.text();
    assert.match(body, /<XRD xmlns='http:\/\/docs\.oasis-open\.org\/ns\/xri\/xrd-1\.0'>/);
    const base = `127.0.0.1:${server.httpPort}`;
    assert.ok(body.includes(`<Link rel="${BOSH}" href="http://${base}/http-bind"/>`), body);
    assert.ok(body.includes(`<Link rel="${WS}" href="ws://${base}/ws-xmpp"/>`), body);
  });

  test('host-meta.json over HTTPS gives wss:// and https:// URLs, and the WebSocket URL works', async () => {
    const res = await getTls(server.httpsPort, '/.well-known/host-meta.json');
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    const { links } = JSON.parse(res.body) as { links: { rel: string; href: string }[] };
    const base = `localhost:${server.httpsPort}`;
    assert.deepEqual(links, [
      { rel: BOSH, href: `https://${base}/http-bind` },
      { rel: WS, href: `wss://${base}/ws-xmpp` },
    ]);
    // The advertised WebSocket URL is a real endpoint: a client opening it gets a stream.
    const { WebSocket } = await import('ws');
    const wsUrl = links.find((l) => l.rel === WS)!.href.replace('localhost', '127.0.0.1');
    const ws = new WebSocket(wsUrl, 'xmpp', { rejectUnauthorized: false });
    const first = await new Promise<string>((resolve, reject) => {
      ws.on('open', () =>
        ws.send("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='localhost' version='1.0'/>"),
      );
      ws.on('message', (d) => resolve(String(d)));
      ws.on('error', reject);
    });
    ws.close();
    assert.match(first, /^<open /);
  });

  test('a Host header that is not a host name is refused', async () => {
    const res = await getTls(server.httpsPort, '/.well-known/host-meta', 'evil"><x');
    assert.equal(res.status, 400);
  });

  test('server disco#info carries the XEP-0157 serverinfo form', async () => {
    const c = await TestClient.connect(server.plainPort);
    try {
      await c.login('hm', 'pw-hm', { mechanism: 'PLAIN', starttls: false });
      const r = await c.iq(
        x('iq', NS_CLIENT, { type: 'get', to: 'localhost' }, x('query', NS_DISCO_INFO)),
      );
      const form = r.getChild('query', NS_DISCO_INFO)?.getChild('x', NS_DATA_FORMS);
      assert.ok(form, r.toString());
      const fields = Object.fromEntries(
        form
          .getChildren('field', NS_DATA_FORMS)
          .map((f) => [f.attrs.var, f.getChildren('value', NS_DATA_FORMS).map((v) => v.text())]),
      );
      assert.deepEqual(fields, {
        FORM_TYPE: ['http://jabber.org/network/serverinfo'],
        'admin-addresses': ['mailto:admin@localhost', 'xmpp:admin@localhost'],
        'abuse-addresses': ['https://localhost/abuse'],
      });
    } finally {
      c.close();
    }
  });
});

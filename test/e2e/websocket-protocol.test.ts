import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import '../support/xmpp-js.ts'; // accepts the self-signed certificate of the wss:// listener

const FRAMING = 'urn:ietf:params:xml:ns:xmpp-framing';
const OPEN = `<open xmlns='${FRAMING}' to='localhost' version='1.0'/>`;

/** A bare RFC 7395 client: every message received is kept as text. */
class RawWs {
  readonly messages: string[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      this.messages.push(d.toString());
      for (const w of this.waiters) w();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        for (const w of this.waiters) w();
      });
    });
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<RawWs> {
    const ws = new WebSocket(url, ['xmpp'], { headers });
    const raw = new RawWs(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(raw));
      ws.once('error', reject);
    });
  }

  /** Resolves with the first received message (from index `from`) matching `pred`. */
  async next(pred: (m: string) => boolean, from = 0): Promise<string> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const found = this.messages.slice(from).find(pred);
      if (found !== undefined) return found;
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error('closed: ' + this.messages);
      if (Date.now() > deadline) throw new Error('timed out; got ' + this.messages.join(' | '));
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
      this.waiters = [];
    }
  }

  send(text: string): void {
    this.ws.send(text);
  }
}

/** The HTTP status a refused WebSocket handshake got. */
function handshakeStatus(url: string, protocols?: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => reject(new Error('the handshake succeeded')));
    ws.once('error', () => {});
  });
}

describe('RFC 7395 framing on the HTTP listener', () => {
  let server: TestServer;
  let url: string;
  let trustedPort: number;
  before(async () => {
    // A third HTTP listener that trusts the loopback proxy: X-Forwarded-* are believed there.
    server = await startTestServer({
      toml: `
[[listen.http]]
port = 5282
ip = "127.0.0.1"
trusted_proxies = ["127.0.0.0/8"]
`,
    });
    url = `ws://127.0.0.1:${server.httpPort}/ws-xmpp`;
    trustedPort = server.node.httpPorts()[2]!;
    await server.register('raw', 'secret');
  });
  after(async () => {
    await server.stop();
  });

  test('<open/> is answered with <open/> and prefixed stream features, no STARTTLS, no PLAIN on ws://', async () => {
    const c = await RawWs.open(url);
    c.send(OPEN);
    const open = await c.next((m) => m.startsWith('<open'));
    assert.match(open, new RegExp(`xmlns='${FRAMING}'`));
    assert.match(open, /from='localhost'/);
    assert.match(open, /version='1.0'/);
    assert.match(open, / id='[^']+'/);
    const features = await c.next((m) => m.includes('features'));
    assert.ok(
      features.startsWith(
        "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><mechanisms",
      ),
      features,
    );
    assert.match(features, /SCRAM-SHA-256/);
    assert.doesNotMatch(features, /starttls/);
    assert.doesNotMatch(features, /PLAIN/);
    c.ws.close();
  });

  test('wss:// is secure: PLAIN is offered', async () => {
    const c = await RawWs.open(`wss://127.0.0.1:${server.httpsPort}/ws-xmpp`);
    c.send(OPEN);
    const features = await c.next((m) => m.includes('features'));
    assert.match(features, /<mechanism>PLAIN<\/mechanism>/);
    c.ws.close();
  });

  test('a handshake without the xmpp subprotocol is refused with 400', async () => {
    assert.equal(await handshakeStatus(url), 400);
    assert.equal(await handshakeStatus(url, ['chat']), 400);
  });

  test('a WebSocket on another path is refused with 404', async () => {
    assert.equal(await handshakeStatus(`ws://127.0.0.1:${server.httpPort}/other`, ['xmpp']), 404);
  });

  test('a message above the post-auth stanza limit closes the WebSocket with 1009', async () => {
    const c = await RawWs.open(url);
    c.send(OPEN);
    await c.next((m) => m.includes('features'));
    const limit = server.config.general.max_stanza_size;
    c.send(`<message xmlns='jabber:client'><body>${'x'.repeat(limit + 1)}</body></message>`);
    const { code } = await c.closed;
    assert.equal(code, 1009);
  });

  test('before auth, a message above the pre-auth limit gets policy-violation then <close/>', async () => {
    const c = await RawWs.open(url);
    c.send(OPEN);
    await c.next((m) => m.includes('features'));
    const preauth = server.config.general.max_stanza_size_preauth;
    c.send(
      `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${'A'.repeat(preauth)}</auth>`,
    );
    const err = await c.next((m) => m.includes('stream:error'));
    assert.match(err, /^<stream:error xmlns:stream='http:\/\/etherx.jabber.org\/streams'>/);
    assert.match(err, /policy-violation/);
    await c.next((m) => m === `<close xmlns='${FRAMING}'/>`);
    assert.equal((await c.closed).code, 1000);
  });

  test('a message holding an incomplete element is a not-well-formed stream error', async () => {
    const c = await RawWs.open(url);
    c.send(OPEN);
    await c.next((m) => m.includes('features'));
    c.send("<iq xmlns='jabber:client' type='get' id='1'><ping xmlns='urn:xmpp:ping'/>");
    const err = await c.next((m) => m.includes('stream:error'));
    assert.match(err, /not-well-formed/);
    await c.closed;
  });

  test('a binary message closes the WebSocket with 1003', async () => {
    const c = await RawWs.open(url);
    c.ws.send(Buffer.from(OPEN));
    assert.equal((await c.closed).code, 1003);
  });

  test('a bad <open/> (unknown host) gets host-unknown after an <open/> of ours', async () => {
    const c = await RawWs.open(url);
    c.send(`<open xmlns='${FRAMING}' to='elsewhere.example' version='1.0'/>`);
    const err = await c.next((m) => m.includes('stream:error'));
    assert.match(err, /host-unknown/);
    assert.ok(c.messages[0]?.startsWith('<open'), 'our <open/> comes first');
    await c.closed;
  });

  test("the client's <close/> is answered with <close/> and a normal WebSocket close", async () => {
    const c = await RawWs.open(url);
    c.send(OPEN);
    await c.next((m) => m.includes('features'));
    c.send(`<close xmlns='${FRAMING}'/>`);
    await c.next((m) => m.startsWith('<close'));
    assert.equal((await c.closed).code, 1000);
  });

  test('X-Forwarded-For and -Proto are believed from a trusted proxy only', async () => {
    // Untrusted peer: the headers are ignored (ws://, so no PLAIN; address is the socket's).
    const spoof = { 'x-forwarded-for': '198.51.100.9', 'x-forwarded-proto': 'https' };
    const u = await RawWs.open(url, spoof);
    u.send(OPEN);
    assert.doesNotMatch(await u.next((m) => m.includes('features')), /PLAIN/);
    u.ws.close();

    // Trusted proxy: the client came over https (PLAIN offered) from the forwarded address.
    const t = await RawWs.open(`ws://127.0.0.1:${trustedPort}/ws-xmpp`, {
      'x-forwarded-for': '198.51.100.9, 127.0.0.2',
      'x-forwarded-proto': 'https',
    });
    t.send(OPEN);
    assert.match(await t.next((m) => m.includes('features')), /PLAIN/);
    const creds = Buffer.from('\0raw\0secret').toString('base64');
    t.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${creds}</auth>`);
    await t.next((m) => m.startsWith('<success'));
    const mark = t.messages.length;
    t.send(OPEN);
    await t.next((m) => m.includes('features'), mark);
    t.send(
      "<iq xmlns='jabber:client' type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>r</resource></bind></iq>",
    );
    await t.next((m) => m.includes('id="b1"') && m.includes('raw@localhost/r'));
    const s = server.node.admin.sessions.list().find((x) => x.jid === 'raw@localhost/r');
    assert.equal(s?.ip, '198.51.100.9');
    assert.equal(s?.transport, 'ws');
    t.ws.close();
  });
});

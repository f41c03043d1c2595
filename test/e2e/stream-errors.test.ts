import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { NS_CLIENT, NS_STREAM, x } from '../../src/xml/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';

// A collectable heap without a command-line flag: the test runner starts this file's process.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const HEADER = `<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabber:client' xmlns:stream='${NS_STREAM}' version='1.0'>`;
const MiB = 1024 * 1024;

/** Connects and opens a stream; resolves once the server's features arrived. */
async function opened(port: number): Promise<TestClient> {
  const c = await TestClient.connect(port);
  c.openStream();
  await c.expectName('features', NS_STREAM);
  return c;
}

/** Expects `cond`, in order: our header, the error, the closing tag, then the TCP close. */
async function expectClosedWith(c: TestClient, cond: string): Promise<void> {
  assert.equal(await c.expectStreamError(), cond);
  await c.closed;
  const header = c.raw.indexOf('<stream:stream');
  const error = c.raw.indexOf('<stream:error>');
  assert.ok(header >= 0 && header < error, 'stream header before the error');
  assert.ok(c.raw.indexOf('</stream:stream>') > error, 'closing tag after the error');
}

/**
 * Streams `total` bytes of `chunk` repeated, one write at a time, giving the in-process server
 * a turn after each, and stops as soon as the server sent a stream error. Returns bytes sent.
 */
async function streamUntilError(
  c: TestClient,
  chunk: Buffer,
  total: number,
  prefix = '',
): Promise<number> {
  c.sendRaw(prefix);
  let sent = 0;
  // Watching the raw text leaves the error element queued for expectClosedWith.
  while (sent < total && !c.raw.includes('<stream:error>') && !c.isClosed) {
    c.sendRaw(chunk);
    sent += chunk.length;
    await new Promise((r) => setTimeout(r, 1));
  }
  return sent;
}

/** The server still serves: a new client opens a stream and gets its features. */
async function serverStillServes(port: number): Promise<void> {
  const c = await opened(port);
  c.close();
}

describe('stream-level errors over raw sockets', () => {
  let server: TestServer;
  before(async () => {
    // No modules: these tests are about the core alone.
    server = await startTestServer({ toml: '[modules]' });
    await server.register('big', 'secret');
  });
  after(async () => {
    await server.stop();
  });

  test('malformed XML inside a stanza gets <not-well-formed/>', async () => {
    const c = await opened(server.port);
    c.sendRaw('<message><body>hi</message>');
    await expectClosedWith(c, 'not-well-formed');
    await serverStillServes(server.port);
  });

  test('garbage instead of a stream header gets a header and <not-well-formed/>', async () => {
    const c = await TestClient.connect(server.port);
    c.sendRaw('<<<this is not xml>>>');
    await expectClosedWith(c, 'not-well-formed');
    assert.match(c.raw, /<stream:stream [^>]*from='localhost'/);
  });

  test('billion laughs DTD gets <restricted-xml/> with heap growth under 1 MiB', async () => {
    const entities = ['<!ENTITY lol0 "lol">'];
    for (let i = 1; i <= 9; i++) {
      entities.push(`<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`);
    }
    const doc =
      `<?xml version='1.0'?><!DOCTYPE lolz [${entities.join('')}]>` +
      `<stream:stream to='localhost' xmlns='jabber:client' xmlns:stream='${NS_STREAM}' version='1.0'>` +
      '<message><body>&lol9;</body></message>';
    const c = await TestClient.connect(server.port);
    const heapBefore = heapAfterGc();
    c.sendRaw(doc);
    await expectClosedWith(c, 'restricted-xml');
    const growth = heapAfterGc() - heapBefore;
    assert.ok(growth < MiB, `heap grew by ${growth} bytes`);
    await serverStillServes(server.port);
  });

  test('an entity reference without a DTD gets <not-well-formed/>', async () => {
    const c = await opened(server.port);
    c.sendRaw('<message><body>&lol9;</body></message>');
    await expectClosedWith(c, 'not-well-formed');
  });

  test('a comment gets <restricted-xml/>', async () => {
    const c = await opened(server.port);
    c.sendRaw('<!-- a comment -->');
    await expectClosedWith(c, 'restricted-xml');
  });

  test('a processing instruction gets <restricted-xml/>', async () => {
    const c = await opened(server.port);
    c.sendRaw('<message><?evil instruction?><body>x</body></message>');
    await expectClosedWith(c, 'restricted-xml');
  });

  test('a comment inside a stanza gets <restricted-xml/>', async () => {
    const c = await opened(server.port);
    c.sendRaw('<message><body>x<!-- hidden --></body></message>');
    await expectClosedWith(c, 'restricted-xml');
  });

  for (const [name, bytes] of [
    ['a lone continuation byte', [0x80]],
    ['a truncated sequence followed by ASCII', [0xc3, 0x28]],
    ['an overlong encoding of "/"', [0xc0, 0xaf]],
    ['a UTF-16 surrogate encoded in UTF-8', [0xed, 0xa0, 0x80]],
    ['the byte 0xFF', [0xff]],
  ] as const) {
    test(`invalid UTF-8 (${name}) gets <not-well-formed/>`, async () => {
      const c = await opened(server.port);
      c.sendRaw(
        Buffer.concat([
          Buffer.from('<message><body>'),
          Buffer.from(bytes),
          Buffer.from('</body></message>'),
        ]),
      );
      await expectClosedWith(c, 'not-well-formed');
    });
  }

  test('an illegal XML character (U+0001) gets <not-well-formed/>', async () => {
    const c = await opened(server.port);
    c.sendRaw('<message><body>\u0001</body></message>');
    await expectClosedWith(c, 'not-well-formed');
  });

  test('deep nesting gets <policy-violation/> (and a shallow stanza is accepted)', async () => {
    const shallow = await opened(server.port);
    // Within the depth limit: parsed, then refused only because nobody authenticated.
    shallow.sendRaw(`<message>${'<a>'.repeat(20)}${'</a>'.repeat(20)}</message>`);
    await expectClosedWith(shallow, 'not-authorized');

    const c = await opened(server.port);
    c.sendRaw(`<message>${'<a>'.repeat(5000)}`);
    await expectClosedWith(c, 'policy-violation');
    await serverStillServes(server.port);
  });

  test('the 8 KiB pre-auth limit: 7 KiB parses, 9 KiB gets <policy-violation/>', async () => {
    const ok = await opened(server.port);
    ok.sendRaw(`<message><body>${'a'.repeat(7 * 1024)}</body></message>`);
    await expectClosedWith(ok, 'not-authorized');

    const big = await opened(server.port);
    big.sendRaw(`<message><body>${'a'.repeat(9 * 1024)}</body></message>`);
    await expectClosedWith(big, 'policy-violation');
  });

  test('a huge unterminated attribute value streamed in chunks gets <policy-violation/>', async () => {
    const c = await opened(server.port);
    const heapBefore = heapAfterGc();
    c.sendRaw("<message id='");
    const sent = await streamUntilError(c, Buffer.alloc(1024, 'x'), 4 * MiB);
    await expectClosedWith(c, 'policy-violation');
    assert.ok(sent < MiB, `server read ${sent} bytes of an unterminated attribute`);
    const growth = heapAfterGc() - heapBefore;
    assert.ok(growth < MiB, `heap grew by ${growth} bytes`);
    await serverStillServes(server.port);
  });

  test('after auth: 60 KiB passes, a 1 MiB stanza gets <policy-violation/> early', async () => {
    const c = await TestClient.connect(server.plainPort);
    await c.login('big', 'secret', { mechanism: 'PLAIN', starttls: false, resource: 'r' });
    // 60 KiB to the server in an unknown namespace: parsed and answered, so under the limit.
    const reply = await c.iq(
      x(
        'iq',
        NS_CLIENT,
        { type: 'get', to: 'localhost' },
        x('q', 'urn:example:none', {}, 'b'.repeat(60 * 1024)),
      ),
    );
    assert.equal(reply.attrs.type, 'error');

    const heapBefore = heapAfterGc();
    c.sendRaw("<message to='big@localhost'><body>");
    const sent = await streamUntilError(c, Buffer.alloc(16 * 1024, 'y'), MiB);
    await expectClosedWith(c, 'policy-violation');
    assert.ok(sent < MiB, 'the error came before the whole MiB was sent');
    const growth = heapAfterGc() - heapBefore;
    assert.ok(growth < MiB, `heap grew by ${growth} bytes`);
    assert.ok(!c.raw.includes('yyyy'), 'nothing of the oversized stanza was delivered');
    await serverStillServes(server.port);
  });

  test('too many attributes get <policy-violation/>', async () => {
    const attrs = Array.from({ length: 200 }, (_, i) => `a${i}='v'`).join(' ');
    const c = await opened(server.port);
    c.sendRaw(`<message ${attrs}/>`);
    await expectClosedWith(c, 'policy-violation');
  });

  test('a duplicate attribute gets <not-well-formed/>', async () => {
    const c = await opened(server.port);
    c.sendRaw("<message to='a@localhost' to='b@localhost'/>");
    await expectClosedWith(c, 'not-well-formed');
  });

  test('an unbound prefix gets <not-well-formed/>', async () => {
    const c = await opened(server.port);
    c.sendRaw('<message><foo:bar/></message>');
    await expectClosedWith(c, 'not-well-formed');
  });

  test('text between stanzas gets <bad-format/>', async () => {
    const c = await opened(server.port);
    c.sendRaw('hello<message/>');
    await expectClosedWith(c, 'bad-format');
  });

  test('whitespace keepalives between stanzas are fine', async () => {
    const c = await opened(server.port);
    for (let i = 0; i < 20; i++) c.sendRaw(' \n');
    c.sendRaw('<message/>');
    // Only the stanza itself is refused (no authentication yet).
    await expectClosedWith(c, 'not-authorized');
  });

  test('a stream header with a huge attribute gets <policy-violation/>', async () => {
    const c = await TestClient.connect(server.port);
    const sent = await streamUntilError(
      c,
      Buffer.alloc(4096, 'h'),
      4 * MiB,
      "<?xml version='1.0'?><stream:stream to='localhost' version='1.0' id='",
    );
    await expectClosedWith(c, 'policy-violation');
    assert.ok(sent < MiB, `server read ${sent} bytes of a stream header`);
  });

  test('a second stream header inside the stream gets a stream error', async () => {
    const c = await opened(server.port);
    c.sendRaw(HEADER);
    const cond = await c.expectStreamError();
    // Nested <stream:stream> is an element, not a header: not a stanza and not authorized.
    assert.ok(['not-authorized', 'invalid-xml', 'not-well-formed'].includes(cond), cond);
    await c.closed;
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { NS_STREAM } from '../../src/xml/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';

const header = (attrs: string) => `<?xml version='1.0'?><stream:stream ${attrs}>`;
const GOOD_NS = `xmlns='jabber:client' xmlns:stream='${NS_STREAM}'`;

/**
 * RFC 6120 §4.9.1.2 / §4.9.1.3: an error in the initiating header is answered with a header of
 * our own, then the error, then the closing tag; then the TCP connection closes.
 */
async function headerError(port: number, attrs: string): Promise<string> {
  const c = await TestClient.connect(port);
  c.sendRaw(header(attrs));
  const cond = await c.expectStreamError();
  await c.closed;
  const ours = c.raw.indexOf('<stream:stream ');
  const error = c.raw.indexOf('<stream:error>');
  const close = c.raw.indexOf('</stream:stream>');
  assert.ok(ours >= 0 && ours < error && error < close, `order in ${c.raw}`);
  assert.ok(!c.raw.includes('<stream:features'), 'no features after a bad header');
  assert.equal(c.streamHeader?.from, 'localhost');
  assert.equal(c.streamHeader?.version, '1.0');
  return cond;
}

describe('stream header errors (RFC 6120 §4.9.3)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ toml: '[modules]' });
  });
  after(async () => {
    await server.stop();
  });

  test('a good header gets features (control)', async () => {
    const c = await TestClient.connect(server.port);
    c.sendRaw(header(`to='localhost' version='1.0' ${GOOD_NS}`));
    await c.expectName('features', NS_STREAM);
    assert.equal(c.streamHeader?.from, 'localhost');
    c.close();
  });

  test("an xml:lang with ' is escaped in our single-quoted header, not injected", async () => {
    const c = await TestClient.connect(server.port);
    c.sendRaw(header(`to='localhost' version='1.0' xml:lang="x'y" ${GOOD_NS}`));
    await c.expectName('features', NS_STREAM);
    assert.equal(c.streamHeader?.['xml:lang'], "x'y");
    assert.ok(c.raw.includes("xml:lang='x&apos;y'"), c.raw.slice(0, 400));
    c.close();
  });

  test('wrong stream namespace → invalid-namespace (§4.9.3.10)', async () => {
    const cond = await headerError(
      server.port,
      `to='localhost' version='1.0' xmlns='jabber:client' xmlns:stream='urn:not:streams'`,
    );
    assert.equal(cond, 'invalid-namespace');
  });

  test('content namespace jabber:server on c2s → invalid-namespace (§4.8.2)', async () => {
    const cond = await headerError(
      server.port,
      `to='localhost' version='1.0' xmlns='jabber:server' xmlns:stream='${NS_STREAM}'`,
    );
    assert.equal(cond, 'invalid-namespace');
  });

  test('no content namespace at all → invalid-namespace', async () => {
    const cond = await headerError(
      server.port,
      `to='localhost' version='1.0' xmlns:stream='${NS_STREAM}'`,
    );
    assert.equal(cond, 'invalid-namespace');
  });

  test('unknown host → host-unknown (§4.9.3.6)', async () => {
    const cond = await headerError(server.port, `to='elsewhere.example' version='1.0' ${GOOD_NS}`);
    assert.equal(cond, 'host-unknown');
  });

  test('missing version → unsupported-version (§4.7.5, §4.9.3.25)', async () => {
    const cond = await headerError(server.port, `to='localhost' ${GOOD_NS}`);
    assert.equal(cond, 'unsupported-version');
  });

  test('version 0.9 → unsupported-version', async () => {
    const cond = await headerError(server.port, `to='localhost' version='0.9' ${GOOD_NS}`);
    assert.equal(cond, 'unsupported-version');
  });

  test("a 'from' that is not a JID → invalid-from (§4.9.3.9)", async () => {
    const cond = await headerError(
      server.port,
      `to='localhost' from='a@b@c' version='1.0' ${GOOD_NS}`,
    );
    assert.equal(cond, 'invalid-from');
  });

  test('a root element that is not stream → invalid-namespace', async () => {
    const c = await TestClient.connect(server.port);
    c.sendRaw(`<?xml version='1.0'?><stream:foo to='localhost' version='1.0' ${GOOD_NS}>`);
    assert.equal(await c.expectStreamError(), 'invalid-namespace');
    await c.closed;
  });

  test('the server still serves after every bad header', async () => {
    const c = await TestClient.connect(server.port);
    c.openStream();
    await c.expectName('features', NS_STREAM);
    c.close();
  });
});

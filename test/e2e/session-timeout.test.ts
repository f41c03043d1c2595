import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseConfig } from '../../src/config/index.ts';
import { ALL_MODULES, DEFAULT_MODULES } from '../../src/modules/registry.ts';
import { createNode, type MeerkatNode } from '../../src/node.ts';
import { silentLogger } from '../../src/observability/logger.ts';
import { NS_CLIENT, NS_STREAM, x } from '../../src/xml/index.ts';
import { TestClient } from '../support/xmpp-client.ts';

/**
 * startTestServer's `toml` is appended after its own [general] table, and TOML forbids a second
 * [general], so this file builds its node itself to set connection_timeout_ms.
 */
async function startNodeWithTimeout(dataDir: string): Promise<{ node: MeerkatNode; port: number }> {
  const toml = `
[general]
hosts = ["localhost"]
data_dir = ${JSON.stringify(dataDir)}
loglevel = "error"
connection_timeout_ms = 1000

[[listen.c2s]]
port = 5224
tls.mode = "starttls"
allow_plain_without_tls = true

[modules]
`;
  const moduleSchemas = Object.fromEntries(ALL_MODULES.map((m) => [m.id, m.options]));
  const config = parseConfig(toml, { moduleSchemas, defaultModules: DEFAULT_MODULES, env: {} });
  for (const l of config.listen.c2s) l.port = 0;
  config.metrics.enabled = false;
  const node = await createNode(config, silentLogger());
  await node.start();
  return { node, port: node.c2sPorts()[0]! };
}

describe('pre-auth deadline (connection_timeout_ms)', () => {
  let dataDir: string;
  let node: MeerkatNode;
  let port: number;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'meerkat-timeout-'));
    ({ node, port } = await startNodeWithTimeout(dataDir));
    await node.admin.accounts.register('tim', 'localhost', 'pw-tim');
  });
  after(async () => {
    await node.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('a silent connection gets a header and <connection-timeout/>', async () => {
    const c = await TestClient.connect(port);
    assert.equal(await c.expectStreamError(5000), 'connection-timeout');
    await c.closed;
    assert.ok(c.raw.indexOf('<stream:stream') < c.raw.indexOf('<stream:error>'));
  });

  test('an opened but unauthenticated stream gets <connection-timeout/>', async () => {
    const c = await TestClient.connect(port);
    c.openStream();
    await c.expectName('features', NS_STREAM);
    assert.equal(await c.expectStreamError(5000), 'connection-timeout');
    await c.closed;
  });

  test('authenticated but never bound still times out', async () => {
    const c = await TestClient.connect(port);
    c.openStream();
    await c.authenticate(await c.expectName('features', NS_STREAM), 'tim', 'pw-tim', 'PLAIN');
    c.openStream();
    await c.expectName('features', NS_STREAM);
    assert.equal(await c.expectStreamError(5000), 'connection-timeout');
    await c.closed;
  });

  test('a bound session outlives the deadline', async () => {
    const c = await TestClient.connect(port);
    await c.login('tim', 'pw-tim', { mechanism: 'PLAIN', starttls: false, resource: 'stay' });
    await new Promise((r) => setTimeout(r, 1500));
    const reply = await c.iq(
      x('iq', NS_CLIENT, { type: 'get', to: 'localhost' }, x('q', 'urn:example:none')),
    );
    assert.equal(reply.attrs.type, 'error');
    assert.ok(!c.isClosed);
    assert.ok(!c.raw.includes('connection-timeout'));
    c.close();
  });
});

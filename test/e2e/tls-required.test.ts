import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigError, parseConfig } from '../../src/config/index.ts';
import { createNode, type MeerkatNode } from '../../src/node.ts';
import { NS_SASL, NS_STREAM, NS_TLS, x } from '../../src/xml/index.ts';
import { captureLog } from '../cli/support/log-capture.ts';
import { TestClient } from '../support/xmpp-client.ts';

/**
 * Issue 10, secure by default: a c2s listener configured with nothing but a port requires
 * STARTTLS before authentication (no mechanism offered, <auth/> refused), and the node warns
 * at start that it runs on a generated self-signed certificate.
 */
describe('c2s requires TLS before authentication by default', () => {
  let node: MeerkatNode;
  let dataDir: string;
  let port: number;
  const captured = captureLog();
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'meerkat-tlsreq-'));
    const config = parseConfig(
      `[general]\ndata_dir = ${JSON.stringify(dataDir)}\nloglevel = "error"\n\n[[listen.c2s]]\nport = 5222\n\n[modules]\n`,
      { moduleSchemas: {}, env: {} },
    );
    config.listen.c2s[0]!.port = 0;
    config.metrics.enabled = false;
    node = await createNode(config, captured.log);
    await node.start();
    port = node.c2sPorts()[0]!;
    await node.admin.accounts.register('alice', 'localhost', 'wonderland');
  });
  after(async () => {
    await node.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('the unencrypted stream offers STARTTLS, required, and no SASL mechanism', async () => {
    const c = await TestClient.connect(port);
    c.openStream();
    const features = await c.expectName('features', NS_STREAM);
    assert.ok(features.getChild('starttls', NS_TLS)?.getChild('required', NS_TLS));
    assert.equal(features.getChild('mechanisms', NS_SASL), undefined);
    c.close();
  });

  test('<auth/> before STARTTLS gets encryption-required', async () => {
    const c = await TestClient.connect(port);
    c.openStream();
    await c.expectName('features', NS_STREAM);
    const initial = Buffer.from('\0alice\0wonderland').toString('base64');
    c.send(x('auth', NS_SASL, { mechanism: 'PLAIN' }, initial));
    const failure = await c.expectName('failure', NS_SASL);
    assert.ok(failure.getChild('encryption-required', NS_SASL), 'encryption-required');
    c.close();
  });

  test('after STARTTLS the same account logs in (control)', async () => {
    const c = await TestClient.connect(port);
    const jid = await c.login('alice', 'wonderland', { resource: 'r' });
    assert.equal(jid, 'alice@localhost/r');
    c.close();
  });

  test('the start-up log warns about the self-signed certificate and says how to set a real one', () => {
    const [warn] = captured.has('tls_self_signed_certificate');
    assert.ok(warn, 'tls_self_signed_certificate logged');
    assert.equal(warn.level, 40);
    assert.equal(warn.generated, true);
    assert.match(String(warn.hint), /certfile and keyfile/);
  });

  test('allow_plain_without_tls without tls.mode = "starttls" is a configuration error', () => {
    assert.throws(
      () =>
        parseConfig('[[listen.c2s]]\nport = 5222\nallow_plain_without_tls = true\n', {
          moduleSchemas: {},
          env: {},
        }),
      (err: unknown) =>
        err instanceof ConfigError && /allow_plain_without_tls needs tls.mode/.test(err.message),
    );
  });
});

/**
 * SASL channel binding on the wire (issue 10): stock slixmpp with default settings logs in on
 * TLS 1.2 and 1.3, over STARTTLS and direct TLS; aioxmpp too; and the refusals a client gets
 * for a wrong binding type, wrong binding data and a 'y' that is a downgrade.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { SecureVersion } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { type ChannelBinding, scramClient } from '../../src/c2s/sasl/index.ts';
import { type Element, NS_SASL, NS_STREAM, x } from '../../src/xml/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';

const SLIXMPP = fileURLToPath(new URL('../support/slixmpp-cb-login.py', import.meta.url));
const NS_SASL_CB = 'urn:xmpp:sasl-cb:0';

function python(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    // Debian's Python: the packages live in its dist-packages.
    execFile('/usr/bin/python3', args, { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

describe('channel binding with real clients and on the wire', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    await server.register('alice', 'secret');
  });
  after(async () => {
    await server.stop();
  });

  describe('stock slixmpp 1.8.3 (always asks for tls-unique)', () => {
    for (const mode of ['starttls', 'tls'] as const) {
      for (const version of ['TLSv1_2', 'TLSv1_3'] as const) {
        test(`${mode}, ${version}: logs in`, async () => {
          const port = mode === 'tls' ? server.tlsPort : server.port;
          const r = await python([
            SLIXMPP,
            'alice@localhost/cb',
            'secret',
            '127.0.0.1',
            String(port),
            mode,
            version,
          ]);
          assert.equal(r.code, 0, r.out);
          const lines = r.out.split('\n').filter((l) => /^(SUCCESS|FAILED|TLS|BOUND) /.test(l));
          const tls = version === 'TLSv1_2' ? 'TLSv1.2' : 'TLSv1.3';
          if (version === 'TLSv1_2') {
            // tls-unique is ours on TLS 1.2: bound at the first attempt.
            assert.deepEqual(lines.slice(0, 2), [
              'SUCCESS SCRAM-SHA-256-PLUS p=tls-unique,,',
              `TLS ${tls}`,
            ]);
          } else {
            // Not on TLS 1.3: both -PLUS attempts are refused (not counted as failed logins),
            // then its 'y' retry is accepted, since this user proved it saw -PLUS.
            assert.deepEqual(lines.slice(0, 4), [
              'FAILED SCRAM-SHA-256-PLUS p=tls-unique,, not-authorized unsupported-channel-binding-type',
              'FAILED SCRAM-SHA-1-PLUS p=tls-unique,, not-authorized unsupported-channel-binding-type',
              'SUCCESS SCRAM-SHA-256 y,,',
              `TLS ${tls}`,
            ]);
          }
          assert.match(lines.at(-1)!, /^BOUND alice@localhost\/cb/);
        });
      }
    }
  });

  test('aioxmpp (default SCRAM, gs2 flag n) logs in over STARTTLS', async () => {
    const script = `
import asyncio, sys, aioxmpp, aioxmpp.security_layer
async def main():
    jid = aioxmpp.JID.fromstr("alice@localhost")
    client = aioxmpp.PresenceManagedClient(jid, aioxmpp.make_security_layer("secret", no_verify=True),
        override_peer=[("127.0.0.1", ${server.port}, aioxmpp.connector.STARTTLSConnector())])
    async with client.connected():
        print("BOUND", client.local_jid, flush=True)
asyncio.run(asyncio.wait_for(main(), 30))
`;
    const r = await python(['-c', script]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /^BOUND alice@localhost\//m);
  });

  /** A TLS client of ours: the features it sees and the bindings it can compute itself. */
  async function open(version: SecureVersion): Promise<{
    c: TestClient;
    features: Element;
    mine: Record<string, ChannelBinding>;
  }> {
    const c = await TestClient.connect(server.tlsPort, { directTls: true, tlsVersion: version });
    c.openStream('localhost');
    const features = await c.expectName('features', NS_STREAM);
    const s = c.tlsSocket()!;
    const der = s.getPeerCertificate(false).raw;
    const mine: Record<string, ChannelBinding> = {
      'tls-server-end-point': {
        type: 'tls-server-end-point',
        data: createHash('sha256').update(der).digest(),
      },
      'tls-exporter': {
        type: 'tls-exporter',
        data: s.exportKeyingMaterial(32, 'EXPORTER-Channel-Binding', Buffer.alloc(0)),
      },
      // A full handshake: the first Finished is the client's own.
      'tls-unique': { type: 'tls-unique', data: s.getFinished()! },
    };
    return { c, features, mine };
  }

  const advertised = (features: Element) =>
    features
      .getChild('sasl-channel-binding', NS_SASL_CB)
      ?.getChildren('channel-binding')
      .map((e) => e.attrs.type);
  const offered = (features: Element) =>
    features
      .getChild('mechanisms', NS_SASL)
      ?.getChildren('mechanism')
      .map((m) => m.text());

  /** One SCRAM exchange; the outcome element and its text. */
  async function attempt(
    c: TestClient,
    mechanism: string,
    client: ReturnType<typeof scramClient>,
  ): Promise<{ name: string; condition?: string; text?: string }> {
    c.send(x('auth', NS_SASL, { mechanism }, Buffer.from(client.first()).toString('base64')));
    let el = await c.expect((e) => e.ns === NS_SASL);
    if (el.name === 'challenge') {
      const final = await client.final(Buffer.from(el.text(), 'base64').toString());
      c.send(x('response', NS_SASL, {}, Buffer.from(final).toString('base64')));
      el = await c.expect((e) => e.ns === NS_SASL);
    }
    if (el.name === 'success') {
      assert.ok(client.verify(Buffer.from(el.text(), 'base64').toString()));
      return { name: 'success' };
    }
    const condition = el.elements().find((e) => e.name !== 'text')?.name;
    return { name: el.name, condition, text: el.getChildText('text', NS_SASL) ?? undefined };
  }

  const TYPES = {
    'TLSv1.3': ['tls-exporter', 'tls-server-end-point'],
    'TLSv1.2': ['tls-unique', 'tls-server-end-point'],
  } as const;
  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    describe(`raw wire, ${version}`, () => {
      test(`advertises exactly ${TYPES[version].join(' and ')} (XEP-0440)`, async () => {
        const { c, features } = await open(version);
        assert.deepEqual(advertised(features), [...TYPES[version]]);
        assert.deepEqual(offered(features)?.slice(0, 2), [
          'SCRAM-SHA-256-PLUS',
          'SCRAM-SHA-1-PLUS',
        ]);
        c.destroy();
      });

      for (const type of TYPES[version]) {
        test(`-PLUS with ${type} binds`, async () => {
          const { c, mine } = await open(version);
          const r = await attempt(
            c,
            'SCRAM-SHA-256-PLUS',
            scramClient('sha256', 'alice', 'secret', mine[type]),
          );
          assert.deepEqual(r, { name: 'success' });
          c.destroy();
        });

        test(`-PLUS with ${type} and other data: not-authorized`, async () => {
          const { c, mine } = await open(version);
          const wrong = { ...mine[type]!, data: Buffer.alloc(mine[type]!.data.length, 7) };
          const r = await attempt(
            c,
            'SCRAM-SHA-1-PLUS',
            scramClient('sha1', 'alice', 'secret', wrong),
          );
          assert.deepEqual(r, {
            name: 'failure',
            condition: 'not-authorized',
            text: 'channel-bindings-dont-match',
          });
          // Still a downgrade afterwards: the mismatch earns no 'y'.
          const y = scramClient('sha256', 'alice', 'secret', undefined, {
            supportsChannelBinding: true,
          });
          const r2 = await attempt(c, 'SCRAM-SHA-256', y);
          assert.equal(r2.text, 'server-does-support-channel-binding');
          c.destroy();
        });
      }

      test("'y' without a -PLUS attempt (an attacker stripped -PLUS): refused", async () => {
        const { c } = await open(version);
        const y = scramClient('sha256', 'alice', 'secret', undefined, {
          supportsChannelBinding: true,
        });
        assert.deepEqual(await attempt(c, 'SCRAM-SHA-256', y), {
          name: 'failure',
          condition: 'not-authorized',
          text: 'server-does-support-channel-binding',
        });
        c.destroy();
      });

      test('wrong binding types are refused, do not lock out, and let the y retry in', async () => {
        const { c, mine } = await open(version);
        const lacking = version === 'TLSv1.3' ? 'tls-unique' : 'tls-exporter';
        const bogus = { type: lacking, data: mine[lacking]!.data } as ChannelBinding;
        for (const mech of ['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-1-PLUS']) {
          const hash = mech.includes('256') ? 'sha256' : 'sha1';
          assert.deepEqual(await attempt(c, mech, scramClient(hash, 'alice', 'secret', bogus)), {
            name: 'failure',
            condition: 'not-authorized',
            text: 'unsupported-channel-binding-type',
          });
        }
        // A wrong password on top: were the refusals counted, this third failure would close
        // the stream (three failures per stream).
        const r = await attempt(c, 'SCRAM-SHA-256', scramClient('sha256', 'alice', 'wrong'));
        assert.equal(r.condition, 'not-authorized');
        const y = scramClient('sha256', 'alice', 'secret', undefined, {
          supportsChannelBinding: true,
        });
        assert.deepEqual(await attempt(c, 'SCRAM-SHA-256', y), { name: 'success' });
        c.destroy();
      });
    });
  }
});

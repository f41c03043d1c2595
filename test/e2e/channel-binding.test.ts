/**
 * SASL channel binding on the wire (issue 10): stock slixmpp with default settings logs in on
 * TLS 1.2 and 1.3, over STARTTLS and direct TLS; aioxmpp too; and the refusals a client gets
 * for a wrong binding type, wrong binding data and a 'y' that is a downgrade.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { SecureVersion } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { type ChannelBinding, scramClient } from '../../src/c2s/sasl/index.ts';
import { ensureSelfSignedCertificate } from '../../src/net/tls-certificate.ts';
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
  let certDir: string;
  before(async () => {
    certDir = await mkdtemp(join(tmpdir(), 'meerkat-cb-e2e-'));
    const cert = await ensureSelfSignedCertificate(certDir, ['localhost']);
    // A third HTTP listener with TLS behind a (trusted) TLS-terminating proxy.
    server = await startTestServer({
      toml: `[[listen.http]]\nport = 5283\nip = "127.0.0.1"\ntrusted_proxies = ["127.0.0.1"]\ntls.certfile = ${JSON.stringify(cert.certfile)}\ntls.keyfile = ${JSON.stringify(cert.keyfile)}\n`,
    });
    await server.register('alice', 'secret');
  });
  after(async () => {
    await server.stop();
    await rm(certDir, { recursive: true, force: true });
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

  describe('WebSocket', () => {
    const FRAMING = 'urn:ietf:params:xml:ns:xmpp-framing';

    /** A raw RFC 7395 client; resolves with the socket and its TLS connection, if any. */
    async function wsOpen(url: string, version?: SecureVersion) {
      const pin = version ? { minVersion: version, maxVersion: version } : {};
      const ws = new WebSocket(url, ['xmpp'], { rejectUnauthorized: false, ...pin });
      const messages: string[] = [];
      ws.on('message', (d) => messages.push(d.toString()));
      const socket = await new Promise<import('node:tls').TLSSocket | undefined>(
        (resolve, reject) => {
          ws.once('upgrade', (res) => {
            const s = res.socket as import('node:tls').TLSSocket;
            resolve(s.encrypted ? s : undefined);
          });
          ws.once('error', reject);
        },
      );
      await new Promise<void>((r) => (ws.readyState === WebSocket.OPEN ? r() : ws.once('open', r)));
      let seen = 0;
      const next = async (re: RegExp): Promise<RegExpMatchArray> => {
        const deadline = Date.now() + 5000;
        for (;;) {
          while (seen < messages.length) {
            const m = messages[seen++]!.match(re);
            if (m) return m;
          }
          if (Date.now() > deadline) throw new Error(`timed out; got ${messages.join(' | ')}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      ws.send(`<open xmlns='${FRAMING}' to='localhost' version='1.0'/>`);
      const features = (await next(/<stream:features|<features/))!.input!;
      const types = [...features.matchAll(/<channel-binding type=['"]([^'"]+)['"]/g)].map(
        (m) => m[1],
      );
      const mechs = [...features.matchAll(/<mechanism>([^<]+)<\/mechanism>/g)].map((m) => m[1]);
      /** One SCRAM exchange: 'success', or the failure's condition and text. */
      const scram = async (mechanism: string, c: ReturnType<typeof scramClient>) => {
        const b64 = (t: string) => Buffer.from(t).toString('base64');
        ws.send(`<auth xmlns='${NS_SASL}' mechanism='${mechanism}'>${b64(c.first())}</auth>`);
        let m = await next(/<(challenge|success|failure)[^>]*>([\s\S]*?)<\/\1>|<failure[^>]*\/>/);
        if (m[1] === 'challenge') {
          const final = await c.final(Buffer.from(m[2]!, 'base64').toString());
          ws.send(`<response xmlns='${NS_SASL}'>${b64(final)}</response>`);
          m = await next(/<(success|failure)[^>]*>([\s\S]*?)<\/\1>/);
        }
        return m[1] === 'success'
          ? 'success'
          : m[2]!
              .replace(/<text[^>]*>|<\/text>|\/>|</g, ' ')
              .trim()
              .replace(/\s+/g, ' ');
      };
      return { ws, socket, types, mechs, scram };
    }

    for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
      test(`wss:// straight from the client, ${version}: bound to its TLS connection`, async () => {
        const c = await wsOpen(`wss://127.0.0.1:${server.httpsPort}/ws-xmpp`, version);
        const s = c.socket!;
        const types = TYPES[version];
        assert.deepEqual(c.types, [...types]);
        assert.deepEqual(c.mechs.slice(0, 2), ['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-1-PLUS']);
        const data =
          version === 'TLSv1.3'
            ? s.exportKeyingMaterial(32, 'EXPORTER-Channel-Binding', Buffer.alloc(0))
            : s.getFinished()!;
        const wrong = { type: types[0], data: Buffer.alloc(data.length, 5) };
        assert.equal(
          await c.scram('SCRAM-SHA-1-PLUS', scramClient('sha1', 'alice', 'secret', wrong)),
          'not-authorized channel-bindings-dont-match',
        );
        const right = { type: types[0], data };
        assert.equal(
          await c.scram('SCRAM-SHA-256-PLUS', scramClient('sha256', 'alice', 'secret', right)),
          'success',
        );
        c.ws.close();
      });
    }

    test('ws:// (no TLS) and wss:// through a trusted proxy: no -PLUS, y accepted', async () => {
      for (const url of [
        `ws://127.0.0.1:${server.httpPort}/ws-xmpp`,
        `wss://127.0.0.1:${server.node.httpPorts()[2]}/ws-xmpp`,
      ]) {
        const c = await wsOpen(url);
        assert.deepEqual(c.types, [], url);
        assert.ok(!c.mechs.some((m) => m.endsWith('-PLUS')), url);
        const y = scramClient('sha256', 'alice', 'secret', undefined, {
          supportsChannelBinding: true,
        });
        assert.equal(await c.scram('SCRAM-SHA-256', y), 'success', url);
        c.ws.close();
      }
    });
  });
});

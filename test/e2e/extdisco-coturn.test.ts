import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Element as LtxElement } from '@xmpp/xml';
import { turnCredentials } from '../../src/modules/extdisco/turn-credentials.ts';
import { type Coturn, startCoturn } from '../support/coturn.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TurnClient } from '../support/turn-client.ts';
import { stopXmppJs, xml, xmppJs } from '../support/xmpp-js.ts';

const NS_EXTDISCO = 'urn:xmpp:extdisco:2';
const SECRET = 'a-secret-shared-with-coturn';

describe('XEP-0215 external services with a real coturn', () => {
  let coturn: Coturn;
  let server: TestServer;
  before(async () => {
    coturn = await startCoturn(SECRET);
    server = await startTestServer({
      toml: `
[modules.mod_extdisco]
credentials_ttl = 600

[[modules.mod_extdisco.services]]
type = "stun"
host = "127.0.0.1"
port = ${coturn.port}

[[modules.mod_extdisco.services]]
type = "turn"
host = "127.0.0.1"
port = ${coturn.port}
transport = "udp"
secret = "${SECRET}"
`,
    });
    await server.register('caller', 'pw-caller');
  });
  after(async () => {
    await server?.stop();
    await coturn?.stop();
  });

  const services = (type?: string) =>
    xml('iq', { type: 'get', to: 'localhost' }, xml('services', { xmlns: NS_EXTDISCO, type }));

  test('a client gets STUN and TURN entries; the TURN credentials allocate a relay on coturn', async () => {
    const xmpp = await xmppJs({
      service: `xmpp://127.0.0.1:${server.plainPort}`,
      username: 'caller',
      password: 'pw-caller',
      mechanism: 'PLAIN',
    });
    const turn = new TurnClient('127.0.0.1', coturn.port);
    try {
      const all = (await xmpp.iqCaller.request(services())).getChild('services', NS_EXTDISCO)!;
      const entries = all.getChildren('service') as LtxElement[];
      assert.deepEqual(
        entries.map((e) => [e.attrs.type, e.attrs.host, e.attrs.port, e.attrs.restricted]),
        [
          ['stun', '127.0.0.1', String(coturn.port), undefined],
          ['turn', '127.0.0.1', String(coturn.port), '1'],
        ],
      );
      const t = entries[1]!.attrs;
      assert.match(t.username!, /^\d+:caller@localhost$/);
      const expiry = Number(t.username!.split(':')[0]);
      assert.equal(t.expires, new Date(expiry * 1000).toISOString().replace('.000Z', 'Z'));

      const ok = await turn.allocate(t.username!, t.password!);
      assert.equal(ok.ok, true, JSON.stringify(ok));
      assert.match(ok.ok ? ok.relayed : '', /^127\.0\.0\.1:\d+$/);

      // §3.3: credentials for one named service.
      const creds = await xmpp.iqCaller.request(
        xml(
          'iq',
          { type: 'get', to: 'localhost' },
          xml(
            'credentials',
            { xmlns: NS_EXTDISCO },
            xml('service', { type: 'turn', host: '127.0.0.1' }),
          ),
        ),
      );
      const one = creds.getChild('credentials', NS_EXTDISCO)!.getChildren('service');
      assert.equal(one.length, 1);
      assert.match(one[0]!.attrs.password!, /^[A-Za-z0-9+/]+=*$/);

      // A type filter (§3.2) leaves only TURN.
      const onlyTurn = (await xmpp.iqCaller.request(services('turn'))).getChild('services')!;
      assert.deepEqual(
        onlyTurn.getChildren('service').map((e) => e.attrs.type),
        ['turn'],
      );
    } finally {
      turn.close();
      await stopXmppJs(xmpp);
    }
  });

  /** One Allocate from a fresh UDP socket (a 5-tuple holds one allocation, RFC 5766 §5). */
  const allocate = async (username: string, password: string) => {
    const turn = new TurnClient('127.0.0.1', coturn.port);
    try {
      return await turn.allocate(username, password);
    } finally {
      turn.close();
    }
  };

  test('coturn refuses expired credentials and a forged password', async () => {
    // What mod_extdisco issued two hours ago with a one-hour lifetime.
    const expired = turnCredentials(SECRET, 'caller@localhost', 3600, Date.now() - 7_200_000);
    const r = await allocate(expired.username, expired.password);
    assert.deepEqual(r.ok ? 'allocated' : r.code, 401);

    const forged = turnCredentials('not-the-secret', 'caller@localhost', 3600, Date.now());
    const f = await allocate(forged.username, forged.password);
    assert.deepEqual(f.ok ? 'allocated' : f.code, 401);

    // The control: the same path with the right secret succeeds.
    const good = turnCredentials(SECRET, 'caller@localhost', 3600, Date.now());
    assert.equal((await allocate(good.username, good.password)).ok, true);
  });

  test('a credentials request for an unknown service is item-not-found', async () => {
    const xmpp = await xmppJs({
      service: `xmpp://127.0.0.1:${server.plainPort}`,
      username: 'caller',
      password: 'pw-caller',
      mechanism: 'PLAIN',
    });
    try {
      await assert.rejects(
        xmpp.iqCaller.request(
          xml(
            'iq',
            { type: 'get', to: 'localhost' },
            xml(
              'credentials',
              { xmlns: NS_EXTDISCO },
              xml('service', { type: 'turn', host: 'turn.example' }),
            ),
          ),
        ),
        (err: { condition?: string }) => err.condition === 'item-not-found',
      );
    } finally {
      await stopXmppJs(xmpp);
    }
  });
});

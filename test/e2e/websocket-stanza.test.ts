import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as Stanza from 'stanza';
import { WebSocket } from 'ws';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';

(globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;

const ALL_BUT_SCRAM_SHA_256 = [
  'EXTERNAL',
  'SCRAM-SHA-256-PLUS',
  'SCRAM-SHA-1-PLUS',
  'SCRAM-SHA-1',
  'DIGEST-MD5',
  'OAUTHBEARER',
  'X-OAUTH2',
  'PLAIN',
  'ANONYMOUS',
];

async function scrape(server: TestServer): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`);
  assert.equal(res.status, 200);
  return res.text();
}

function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('the stanza library over WebSocket', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ metrics: true });
    await server.register('stanzauser', 'pw-stanza');
    await server.register('tcpfriend', 'pw-tcp');
  });
  after(async () => {
    await server.stop();
  });

  test('logs in with SCRAM-SHA-256 and exchanges messages with a TCP user', async () => {
    const series = 'meerkat_logins_total{mechanism="SCRAM-SHA-256"}';
    const before = sample(await scrape(server), series);
    const client = Stanza.createClient({
      jid: 'stanzauser@localhost',
      password: 'pw-stanza',
      resource: 'st',
      autoReconnect: false,
      transports: { websocket: `ws://127.0.0.1:${server.httpPort}/ws-xmpp`, bosh: false },
    });
    // Only SCRAM-SHA-256 is left, so a login proves the server speaks it to this library.
    for (const m of ALL_BUT_SCRAM_SHA_256) client.sasl.disable(m);
    const started = new Promise<void>((resolve, reject) => {
      client.once('session:started', () => resolve());
      client.once('auth:failed', () => reject(new Error('auth failed')));
      client.once('disconnected', () => reject(new Error('disconnected')));
    });
    client.connect();
    await started;

    const tcp = await TestClient.connect(server.plainPort);
    try {
      await tcp.login('tcpfriend', 'pw-tcp', {
        mechanism: 'PLAIN',
        starttls: false,
        resource: 't',
      });
      assert.equal(client.jid, 'stanzauser@localhost/st');
      assert.equal(sample(await scrape(server), series), before + 1);

      const toTcp = tcp.expect((el) => el.name === 'message' && el.attrs.id === 's1', 5000);
      client.sendMessage({ to: 'tcpfriend@localhost/t', type: 'chat', id: 's1', body: 'hi tcp' });
      const got = await toTcp;
      assert.equal(got.attrs.from, 'stanzauser@localhost/st');
      assert.equal(got.getChild('body')?.text(), 'hi tcp');

      const toStanza = new Promise<Stanza.Stanzas.ReceivedMessage>((resolve) => {
        client.on('message', (m) => {
          if (m.id === 't1') resolve(m);
        });
      });
      tcp.sendRaw(
        "<message to='stanzauser@localhost/st' type='chat' id='t1'><body>hi ws</body></message>",
      );
      const back = await toStanza;
      assert.equal(back.from, 'tcpfriend@localhost/t');
      assert.equal(back.body, 'hi ws');
    } finally {
      tcp.close();
      client.disconnect();
    }
  });
});

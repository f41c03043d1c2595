import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as Stanza from 'stanza';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';

describe('the stanza library over BOSH', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    await server.register('boshlib', 'pw-boshlib');
    await server.register('tcppeer', 'pw-tcppeer');
  });
  after(async () => {
    await server.stop();
  });

  test('logs in (SCRAM over BOSH, stream restart, bind) and exchanges messages with a TCP user', async () => {
    const client = Stanza.createClient({
      jid: 'boshlib@localhost',
      password: 'pw-boshlib',
      resource: 'lib',
      autoReconnect: false,
      transports: { bosh: `http://127.0.0.1:${server.httpPort}/http-bind`, websocket: false },
    });
    const started = new Promise<void>((resolve, reject) => {
      client.once('session:started', () => resolve());
      client.once('auth:failed', () => reject(new Error('auth failed')));
      client.once('disconnected', () => reject(new Error('disconnected')));
    });
    client.connect();
    await started;

    const tcp = await TestClient.connect(server.plainPort);
    try {
      await tcp.login('tcppeer', 'pw-tcppeer', {
        mechanism: 'PLAIN',
        starttls: false,
        resource: 't',
      });
      assert.equal(client.jid, 'boshlib@localhost/lib');
      const bare = server.node.sm.all().find((s) => s.jid.bareString() === 'boshlib@localhost');
      assert.equal((bare as { transport?: string } | undefined)?.transport, 'bosh');

      const toTcp = tcp.expect((el) => el.name === 'message' && el.attrs.id === 'b1', 5000);
      client.sendMessage({
        to: 'tcppeer@localhost/t',
        type: 'chat',
        id: 'b1',
        body: 'hi from bosh',
      });
      const got = await toTcp;
      assert.equal(got.attrs.from, 'boshlib@localhost/lib');
      assert.equal(got.getChild('body')?.text(), 'hi from bosh');

      const toLib = new Promise<Stanza.Stanzas.ReceivedMessage>((resolve) => {
        client.on('message', (m) => {
          if (m.id === 't1') resolve(m);
        });
      });
      tcp.sendRaw(
        "<message to='boshlib@localhost/lib' type='chat' id='t1'><body>hi over http</body></message>",
      );
      const back = await toLib;
      assert.equal(back.from, 'tcppeer@localhost/t');
      assert.equal(back.body, 'hi over http');
    } finally {
      tcp.close();
      const ended = new Promise<void>((r) => client.once('disconnected', () => r()));
      client.disconnect();
      await ended;
    }
  });
});

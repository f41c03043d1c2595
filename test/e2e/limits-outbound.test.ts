import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { NS_CLIENT, NS_STREAM, x } from '../../src/xml/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';

const HEADER = `<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabber:client' xmlns:stream='${NS_STREAM}' version='1.0'>`;

/** A raw-socket login that then stops reading: the slow reader. */
async function rawLogin(port: number, user: string, pw: string, resource: string): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  let raw = '';
  socket.on('data', (d: Buffer) => {
    raw += d.toString();
  });
  socket.on('error', () => {});
  const waitFor = async (re: RegExp) => {
    for (let i = 0; i < 500 && !re.test(raw); i++) await new Promise((r) => setTimeout(r, 10));
    assert.match(raw, re);
  };
  socket.write(HEADER);
  await waitFor(/<\/stream:features>/);
  const auth = Buffer.from(`\0${user}\0${pw}`).toString('base64');
  socket.write(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${auth}</auth>`);
  await waitFor(/<success/);
  socket.write(HEADER);
  await waitFor(/<\/stream:features>[\s\S]*<\/stream:features>/);
  socket.write(
    `<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>${resource}</resource></bind></iq>`,
  );
  await waitFor(/<\/iq>/);
  socket.pause();
  return socket;
}

describe('outbound limits', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ toml: '[modules]' });
    for (const u of ['fast', 'slow', 'other']) await server.register(u, `pw-${u}`);
  });
  after(async () => {
    await server.stop();
  });

  test('a client that stops reading is disconnected; the sender is not', async () => {
    const slow = await rawLogin(server.plainPort, 'slow', 'pw-slow', 'r');
    const fast = await TestClient.connect(server.plainPort);
    await fast.login('fast', 'pw-fast', { mechanism: 'PLAIN', starttls: false, resource: 'f' });
    const slowJid = server.node.sm.all().find((s) => s.jid.local === 'slow')!.jid;
    const body = 'w'.repeat(32 * 1024);
    let sent = 0;
    // Far more than the outbound cap plus every kernel buffer on the way.
    while (sent < 64 * 1024 * 1024 && server.node.sm.get(slowJid)) {
      for (let i = 0; i < 16; i++) {
        fast.send(
          x('message', NS_CLIENT, { to: 'slow@localhost/r' }, x('body', NS_CLIENT, {}, body)),
        );
      }
      sent += 16 * body.length;
      // An IQ round trip: the server has processed everything sent so far.
      await fast.iq(x('iq', NS_CLIENT, { type: 'get', to: 'localhost' }, x('q', 'urn:example:x')));
    }
    assert.equal(server.node.sm.get(slowJid), undefined, 'the slow reader was disconnected');
    assert.ok(!fast.isClosed, 'the sender is fine');
    const other = await TestClient.connect(server.plainPort);
    await other.login('other', 'pw-other', { mechanism: 'PLAIN', starttls: false, resource: 'o' });
    fast.send(x('message', NS_CLIENT, { to: 'other@localhost/o', id: 'after' }));
    await other.expect((el) => el.attrs.id === 'after');
    slow.destroy();
    fast.close();
    other.close();
  });

  test('attribute names like __proto__ do not pollute prototypes and pass through', async () => {
    const a = await TestClient.connect(server.plainPort);
    await a.login('fast', 'pw-fast', { mechanism: 'PLAIN', starttls: false, resource: 'p' });
    const b = await TestClient.connect(server.plainPort);
    await b.login('other', 'pw-other', { mechanism: 'PLAIN', starttls: false, resource: 'p' });
    a.sendRaw(
      "<message to='other@localhost/p' id='proto' __proto__='polluted' constructor='c'><body>x</body></message>",
    );
    const got = await b.expect((el) => el.attrs.id === 'proto');
    assert.equal(Object.getOwnPropertyDescriptor(got.attrs, '__proto__')?.value, 'polluted');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf({}), Object.prototype);
    a.close();
    b.close();
  });
});

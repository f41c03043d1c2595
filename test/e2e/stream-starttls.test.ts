import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { NS_STREAM } from '../../src/xml/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';

const HEADER = `<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabber:client' xmlns:stream='${NS_STREAM}' version='1.0'>`;

describe('STARTTLS', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ toml: '[modules]' });
  });
  after(async () => {
    await server.stop();
  });

  test('bytes sent after <starttls/> in the same write are discarded (RFC 6120 §5.4.3.3)', async () => {
    const c = await TestClient.connect(server.port);
    c.openStream();
    await c.expectName('features', NS_STREAM);
    const socket = (c as unknown as { socket: import('node:net').Socket }).socket;
    let plain = '';
    socket.on('data', (d: Buffer) => {
      plain += d.toString('latin1');
    });
    // An injected stanza riding behind <starttls/>: read, it would be a pre-auth stanza.
    c.sendRaw(
      "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><message to='x@localhost'><body>injected</body></message>",
    );
    await c.expectName('proceed');
    socket.removeAllListeners('data');
    const secure = tlsConnect({ socket, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    let text = '';
    secure.on('data', (d: Buffer) => {
      text += d.toString();
    });
    secure.write(HEADER);
    for (let i = 0; i < 500 && !text.includes('</stream:features>'); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.match(text, /<mechanism>PLAIN<\/mechanism>/, 'features of the encrypted stream');
    assert.ok(!text.includes('stream:error') && !plain.includes('stream:error'), text);
    secure.destroy();
  });

  test('<starttls/> on a direct-TLS connection gets <failure/> and a close', async () => {
    const c = await TestClient.connect(server.tlsPort, { directTls: true });
    c.openStream();
    const features = await c.expectName('features', NS_STREAM);
    assert.equal(features.getChild('starttls', 'urn:ietf:params:xml:ns:xmpp-tls'), undefined);
    c.sendRaw("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    await c.expectName('failure', 'urn:ietf:params:xml:ns:xmpp-tls');
    await c.closed;
  });
});

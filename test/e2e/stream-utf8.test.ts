import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';

const TEXT = 'clef 𝄞 café € ok';
const turn = () => new Promise((r) => setTimeout(r, 2));

describe('UTF-8 split across TCP writes', () => {
  let server: TestServer;
  let alice: TestClient;
  let bob: TestClient;
  before(async () => {
    server = await startTestServer({ toml: '[modules]' });
    await server.register('alice', 'pw-a');
    await server.register('bob', 'pw-b');
    alice = await TestClient.connect(server.plainPort);
    await alice.login('alice', 'pw-a', { mechanism: 'PLAIN', starttls: false, resource: 'a' });
    bob = await TestClient.connect(server.plainPort);
    await bob.login('bob', 'pw-b', { mechanism: 'PLAIN', starttls: false, resource: 'b' });
  });
  after(async () => {
    alice.close();
    bob.close();
    await server.stop();
  });

  test('a message split at every byte offset arrives intact', async () => {
    const bytesOf = (id: string) =>
      Buffer.from(
        `<message to='bob@localhost/b' id='${id}' type='chat'><subject>é𝄞</subject><body>${TEXT}</body></message>`,
      );
    const total = bytesOf('s0').length;
    for (let at = 1; at < total; at++) {
      const id = `s${at}`;
      const bytes = bytesOf(id);
      alice.sendRaw(bytes.subarray(0, at));
      // Let the server read the first part on its own before the rest arrives.
      await turn();
      alice.sendRaw(bytes.subarray(at));
      const msg = await bob.expect((el) => el.name === 'message' && el.attrs.id === id);
      assert.equal(msg.getChildText('body'), TEXT, `split at byte ${at}`);
      assert.equal(msg.getChildText('subject'), 'é𝄞', `split at byte ${at}`);
      assert.equal(msg.attrs.from, 'alice@localhost/a');
    }
  });

  test('a message written one byte at a time arrives intact', async () => {
    const bytes = Buffer.from(
      `<message to='bob@localhost/b' id='bytewise'><body>${TEXT}</body></message>`,
    );
    for (let i = 0; i < bytes.length; i++) {
      alice.sendRaw(bytes.subarray(i, i + 1));
      if (bytes[i]! >= 0x80) await turn();
    }
    const msg = await bob.expect((el) => el.name === 'message' && el.attrs.id === 'bytewise');
    assert.equal(msg.getChildText('body'), TEXT);
    assert.ok(!alice.isClosed && !bob.isClosed);
  });
});

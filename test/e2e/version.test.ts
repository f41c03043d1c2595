import assert from 'node:assert/strict';
import { type } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { VERSION } from '../../src/node.ts';
import { type Element, NS_CLIENT, NS_STANZAS, NS_VERSION, x } from '../../src/xml/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';
import { stopXmppJs, xml, xmppJs } from '../support/xmpp-js.ts';

const PW = 'version-pw';

const versionQuery = (to: string, type = 'get') =>
  x('iq', NS_CLIENT, { type, to }, x('query', NS_VERSION));

function errorCondition(el: Element): string | undefined {
  return el
    .getChild('error', NS_CLIENT)
    ?.elements()
    .find((e) => e.ns === NS_STANZAS && e.name !== 'text')?.name;
}

async function withServer(
  toml: string,
  fn: (c: TestClient, server: TestServer) => Promise<void>,
): Promise<void> {
  const server = await startTestServer({ toml });
  try {
    await server.register('vera', PW);
    const c = await TestClient.connect(server.plainPort);
    await c.login('vera', PW, { mechanism: 'PLAIN', starttls: false });
    await fn(c, server);
    c.close();
  } finally {
    await server.stop();
  }
}

describe('mod_version end to end', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ toml: '[modules.mod_version]\n' });
    await server.register('alice', PW);
  });
  after(async () => {
    await server.stop();
  });

  test('the server tells its name and version, not its OS by default (XEP-0092)', async () => {
    const c = await TestClient.connect(server.plainPort);
    await c.login('alice', PW, { mechanism: 'PLAIN', starttls: false });
    const reply = await c.iq(versionQuery('localhost'));
    assert.equal(reply.attrs.type, 'result');
    const q = reply.getChild('query', NS_VERSION);
    assert.equal(q?.getChildText('name', NS_VERSION), 'Meerkat');
    assert.equal(q?.getChildText('version', NS_VERSION), VERSION);
    assert.equal(q?.getChild('os', NS_VERSION), undefined);
    assert.equal(errorCondition(await c.iq(versionQuery('localhost', 'set'))), 'not-allowed');
    // A bare JID is the account, not the server: nothing answers for it.
    assert.equal(
      errorCondition(await c.iq(versionQuery('alice@localhost'))),
      'service-unavailable',
    );
    c.close();
  });

  test('@xmpp/client reads the version', async () => {
    const a = await xmppJs({
      service: `xmpp://127.0.0.1:${server.port}`,
      username: 'alice',
      password: PW,
      resource: 'lib',
    });
    try {
      const reply = await a.iqCaller.request(
        xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: NS_VERSION })),
      );
      assert.equal(reply.getChild('query', NS_VERSION)?.getChildText('version'), VERSION);
    } finally {
      await stopXmppJs(a);
    }
  });

  test('iq_disclose_os adds the OS; hide_version empties the version', async () => {
    await withServer(
      '[modules.mod_version]\niq_disclose_os = true\nhide_version = true\nname = "Zoo"\n',
      async (c) => {
        const q = (await c.iq(versionQuery('localhost'))).getChild('query', NS_VERSION);
        assert.equal(q?.getChildText('name', NS_VERSION), 'Zoo');
        assert.equal(q?.getChildText('version', NS_VERSION), '');
        assert.ok(q?.getChildText('os', NS_VERSION)?.startsWith(type()));
      },
    );
  });
});

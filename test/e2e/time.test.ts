import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Element, NS_CLIENT, NS_STANZAS, NS_TIME, x } from '../../src/xml/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';
import { stopXmppJs, xml, xmppJs } from '../support/xmpp-js.ts';

const PW = 'time-pw';

function errorCondition(el: Element): string | undefined {
  return el
    .getChild('error', NS_CLIENT)
    ?.elements()
    .find((e) => e.ns === NS_STANZAS && e.name !== 'text')?.name;
}

describe('mod_time end to end', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ toml: '[modules.mod_time]\n' });
    await server.register('alice', PW);
  });
  after(async () => {
    await server.stop();
  });

  test('the server tells its UTC time and offset (XEP-0202 §3)', async () => {
    const c = await TestClient.connect(server.plainPort);
    await c.login('alice', PW, { mechanism: 'PLAIN', starttls: false });
    const before = Date.now();
    const reply = await c.iq(
      x('iq', NS_CLIENT, { type: 'get', to: 'localhost' }, x('time', NS_TIME)),
    );
    assert.equal(reply.attrs.type, 'result');
    const t = reply.getChild('time', NS_TIME);
    const utc = t?.getChildText('utc', NS_TIME) ?? '';
    assert.match(utc, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const ms = Date.parse(utc);
    assert.ok(ms >= before - 1000 && ms <= Date.now(), utc);
    assert.match(t?.getChildText('tzo', NS_TIME) ?? '', /^[+-]\d\d:\d\d$/);
    const set = await c.iq(
      x('iq', NS_CLIENT, { type: 'set', to: 'localhost' }, x('time', NS_TIME)),
    );
    assert.equal(errorCondition(set), 'not-allowed');
    c.close();
  });

  test('@xmpp/client reads the server time', async () => {
    const a = await xmppJs({
      service: `xmpp://127.0.0.1:${server.port}`,
      username: 'alice',
      password: PW,
      resource: 'lib',
    });
    try {
      const reply = await a.iqCaller.request(
        xml('iq', { type: 'get', to: 'localhost' }, xml('time', { xmlns: NS_TIME })),
      );
      assert.ok(
        Number.isFinite(Date.parse(reply.getChild('time', NS_TIME)?.getChildText('utc') ?? '')),
      );
    } finally {
      await stopXmppJs(a);
    }
  });
});

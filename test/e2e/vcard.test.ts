import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type Element,
  NS_CLIENT,
  NS_DISCO_INFO,
  NS_STANZAS,
  NS_VCARD,
  serialize,
  x,
} from '../../src/xml/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';
import { stopXmppJs, xml, xmppJs } from '../support/xmpp-js.ts';

function errorCondition(reply: Element): string | undefined {
  return reply
    .getChild('error', NS_CLIENT)
    ?.elements()
    .find((e) => e.ns === NS_STANZAS && e.name !== 'text')?.name;
}

function vcardGet(to?: string): Element {
  return x('iq', NS_CLIENT, { type: 'get', to }, x('vCard', NS_VCARD));
}

function vcardSet(fn: string, extra?: Element): Element {
  return x(
    'iq',
    NS_CLIENT,
    { type: 'set' },
    x('vCard', NS_VCARD, {}, x('FN', NS_VCARD, {}, fn), extra),
  );
}

describe('mod_vcard (XEP-0054)', () => {
  let server: TestServer;
  const clients: TestClient[] = [];
  const login = async (user: string): Promise<TestClient> => {
    const c = await TestClient.connect(server.plainPort);
    clients.push(c);
    await c.login(user, 'pw', { mechanism: 'PLAIN', starttls: false });
    return c;
  };

  before(async () => {
    server = await startTestServer({
      toml: '[modules.mod_vcard]\nmax_size = 2048\n[modules.mod_disco]\n',
    });
    for (const u of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'gina']) {
      await server.register(u, 'pw');
    }
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await server.stop();
  });

  test('a user without a vCard gets an empty <vCard/> for their own (§3.1)', async () => {
    const c = await login('alice');
    const r = await c.iq(vcardGet());
    assert.equal(r.attrs.type, 'result');
    const v = r.getChild('vCard', NS_VCARD);
    assert.ok(v);
    assert.equal(v.elements().length, 0);
  });

  test('a user stores a vCard, reads it back, and others read it at the bare JID', async () => {
    const bob = await login('bob');
    const set = await bob.iq(vcardSet('Bob Builder', x('NICKNAME', NS_VCARD, {}, 'bobby')));
    assert.equal(set.attrs.type, 'result');
    const own = await bob.iq(vcardGet());
    assert.equal(own.getChild('vCard', NS_VCARD)?.getChildText('FN', NS_VCARD), 'Bob Builder');
    const carol = await login('carol');
    const other = await carol.iq(vcardGet('bob@localhost'));
    assert.equal(other.attrs.type, 'result');
    assert.equal(other.attrs.from, 'bob@localhost');
    const v = other.getChild('vCard', NS_VCARD)!;
    assert.equal(v.getChildText('NICKNAME', NS_VCARD), 'bobby');
    // A new set replaces the whole vCard (§3.2: no partial updates).
    await bob.iq(vcardSet('Robert'));
    const again = await carol.iq(vcardGet('bob@localhost'));
    assert.equal(
      serialize(again.getChild('vCard', NS_VCARD)!),
      '<vCard xmlns="vcard-temp"><FN>Robert</FN></vCard>',
    );
  });

  test('the vCard of an existing user who has none is item-not-found (§3.3)', async () => {
    const dave = await login('dave');
    const r = await dave.iq(vcardGet('gina@localhost'));
    assert.equal(r.attrs.type, 'error');
    assert.equal(errorCondition(r), 'item-not-found');
  });

  test('the vCard of a non-existent user is service-unavailable (§3.3, RFC 6121 §8.5.1)', async () => {
    const dave = await login('dave');
    const r = await dave.iq(vcardGet('nosuchuser@localhost'));
    assert.equal(r.attrs.type, 'error');
    assert.equal(errorCondition(r), 'service-unavailable');
  });

  test("setting another user's vCard is forbidden (§3.2)", async () => {
    const erin = await login('erin');
    const req = vcardSet('Not Frank');
    req.setAttr('to', 'frank@localhost');
    const r = await erin.iq(req);
    assert.equal(errorCondition(r), 'forbidden');
    const frank = await login('frank');
    const own = await frank.iq(vcardGet());
    assert.equal(own.getChild('vCard', NS_VCARD)?.elements().length, 0);
  });

  test('a vCard over max_size is refused and the old one kept', async () => {
    const gina = await login('gina');
    await gina.iq(vcardSet('Gina'));
    const photo = x('PHOTO', NS_VCARD, {}, x('BINVAL', NS_VCARD, {}, 'A'.repeat(3000)));
    const r = await gina.iq(vcardSet('Gina', photo));
    assert.equal(r.attrs.type, 'error');
    assert.equal(errorCondition(r), 'policy-violation');
    const own = await gina.iq(vcardGet());
    assert.equal(own.getChild('vCard', NS_VCARD)?.getChildText('FN', NS_VCARD), 'Gina');
  });

  test('the server announces vcard-temp in disco#info (§4)', async () => {
    const c = await login('alice');
    const r = await c.iq(
      x('iq', NS_CLIENT, { type: 'get', to: 'localhost' }, x('query', NS_DISCO_INFO)),
    );
    const vars = r
      .getChild('query', NS_DISCO_INFO)
      ?.getChildren('feature', NS_DISCO_INFO)
      .map((f) => f.attrs.var);
    assert.ok(vars?.includes(NS_VCARD), `features: ${vars?.join(' ')}`);
  });

  test('@xmpp/client sets and reads a vCard, and gets the errors as stanza errors', async () => {
    await server.register('xjs', 'secret');
    const c = await xmppJs({
      service: `xmpp://127.0.0.1:${server.port}`,
      username: 'xjs',
      password: 'secret',
      resource: 'r',
    });
    try {
      await c.iqCaller.request(
        xml('iq', { type: 'set' }, xml('vCard', { xmlns: NS_VCARD }, xml('FN', {}, 'X JS'))),
      );
      const r = await c.iqCaller.request(
        xml('iq', { type: 'get', to: 'xjs@localhost' }, xml('vCard', { xmlns: NS_VCARD })),
      );
      assert.equal(r.getChild('vCard', NS_VCARD)?.getChildText('FN'), 'X JS');
      await assert.rejects(
        c.iqCaller.request(
          xml('iq', { type: 'get', to: 'ghost@localhost' }, xml('vCard', { xmlns: NS_VCARD })),
        ),
        (err: { condition?: string }) => err.condition === 'service-unavailable',
      );
    } finally {
      await stopXmppJs(c);
    }
  });
});

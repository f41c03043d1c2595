import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type Element,
  NS_CLIENT,
  NS_REGISTER,
  NS_REGISTER_FEATURE,
  NS_STANZAS,
  NS_STREAM,
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

function registerSet(username: string | undefined, password: string | undefined): Element {
  return x(
    'iq',
    NS_CLIENT,
    { type: 'set' },
    x(
      'query',
      NS_REGISTER,
      {},
      username === undefined ? undefined : x('username', NS_REGISTER, {}, username),
      password === undefined ? undefined : x('password', NS_REGISTER, {}, password),
    ),
  );
}

const registerGet = () => x('iq', NS_CLIENT, { type: 'get' }, x('query', NS_REGISTER));
const removeIq = () =>
  x('iq', NS_CLIENT, { type: 'set' }, x('query', NS_REGISTER, {}, x('remove', NS_REGISTER)));

/** A connection at the pre-authentication stream features (after STARTTLS if `tls`). */
async function unauthenticated(
  port: number,
  tls = false,
): Promise<{ c: TestClient; features: Element }> {
  const c = await TestClient.connect(port);
  if (tls) await c.startTls('localhost');
  c.openStream();
  const features = await c.expectName('features', NS_STREAM);
  return { c, features };
}

async function loginFails(port: number, user: string, password: string): Promise<boolean> {
  const c = await TestClient.connect(port);
  try {
    await c.login(user, password, { mechanism: 'PLAIN', starttls: false });
    return false;
  } catch {
    return true;
  } finally {
    c.destroy();
  }
}

const STRONG = 'Correct-Horse-7';

describe('mod_register (XEP-0077)', () => {
  let open: TestServer; // registration allowed without TLS, no throttle
  let strict: TestServer; // the defaults: TLS required, one registration per IP per 600 s
  let limited: TestServer; // only 10.0.0.0/8 may register; no new accounts in-band on closed
  let closed: TestServer;
  const clients: TestClient[] = [];
  const track = (c: TestClient) => {
    clients.push(c);
    return c;
  };

  before(async () => {
    open = await startTestServer({
      toml: `[modules.mod_register]\nrequire_encryption = false\nregistration_timeout = 0\npassword_strength = 40\n[modules.mod_disco]\n`,
    });
    strict = await startTestServer({ toml: '[modules.mod_register]\n' });
    limited = await startTestServer({
      toml: '[modules.mod_register]\nrequire_encryption = false\nip_access = ["10.0.0.0/8"]\n',
    });
    closed = await startTestServer({
      toml: '[modules.mod_register]\nrequire_encryption = false\nallow_new_accounts = false\nallow_remove = false\n',
    });
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await Promise.all([open, strict, limited, closed].map((s) => s?.stop()));
  });

  test('register before authentication, then log in with the new account on the same stream', async () => {
    const { c, features } = await unauthenticated(open.plainPort);
    track(c);
    assert.ok(features.getChild('register', NS_REGISTER_FEATURE), 'iq-register feature offered');
    const form = await c.iq(registerGet());
    const q = form.getChild('query', NS_REGISTER);
    assert.ok(q?.getChild('username', NS_REGISTER) && q.getChild('password', NS_REGISTER));
    assert.ok(q?.getChildText('instructions', NS_REGISTER));
    const r = await c.iq(registerSet('newbie', STRONG));
    assert.equal(r.attrs.type, 'result');
    assert.equal(await open.node.admin.accounts.exists('newbie', 'localhost'), true);
    await c.authenticate(features, 'newbie', STRONG, 'PLAIN');
    c.openStream();
    await c.expectName('features', NS_STREAM);
    assert.equal(await c.bind('home'), 'newbie@localhost/home');
    // XEP-0077 §3.1: authenticated, the user is told they are registered.
    const info = await c.iq(registerGet());
    const query = info.getChild('query', NS_REGISTER);
    assert.ok(query?.getChild('registered', NS_REGISTER));
    assert.equal(query?.getChildText('username', NS_REGISTER), 'newbie');
  });

  test('registration errors: taken name, missing fields, weak password, bad name, second account', async () => {
    await open.register('taken', 'whatever');
    const { c } = await unauthenticated(open.plainPort);
    track(c);
    const conflict = await c.iq(registerSet('taken', STRONG));
    assert.equal(errorCondition(conflict), 'conflict');
    assert.ok(!serialize(conflict).includes(STRONG), 'the password is not echoed');
    assert.equal(errorCondition(await c.iq(registerSet('nopw', undefined))), 'not-acceptable');
    assert.equal(errorCondition(await c.iq(registerSet('nopw', ''))), 'not-acceptable');
    assert.equal(errorCondition(await c.iq(registerSet(undefined, STRONG))), 'not-acceptable');
    assert.equal(errorCondition(await c.iq(registerSet('weak', 'abc'))), 'not-acceptable');
    assert.equal(errorCondition(await c.iq(registerSet('bad@name', STRONG))), 'jid-malformed');
    assert.equal(await open.node.admin.accounts.exists('weak', 'localhost'), false);
    assert.equal((await c.iq(registerSet('first', STRONG))).attrs.type, 'result');
    // XEP-0077 §3.1.1: a second identity on one stream is refused.
    assert.equal(errorCondition(await c.iq(registerSet('second', STRONG))), 'not-acceptable');
    assert.equal(await open.node.admin.accounts.exists('second', 'localhost'), false);
  });

  test('any other IQ before authentication ends the stream with not-authorized', async () => {
    const { c } = await unauthenticated(open.plainPort);
    track(c);
    c.send(x('iq', NS_CLIENT, { type: 'get', id: 'v' }, x('query', 'jabber:iq:version')));
    assert.equal(await c.expectStreamError(), 'not-authorized');
  });

  test('password change takes effect at once; an empty password is refused', async () => {
    await open.register('changer', 'old-Password-1');
    const c = track(await TestClient.connect(open.plainPort));
    await c.login('changer', 'old-Password-1', { mechanism: 'PLAIN', starttls: false });
    const empty = registerSet('changer', '');
    empty.setAttr('to', 'localhost');
    assert.equal(errorCondition(await c.iq(empty)), 'bad-request');
    const weak = await c.iq(registerSet('changer', 'aa'));
    assert.equal(errorCondition(weak), 'not-acceptable');
    assert.ok(!serialize(weak).includes('<password'), 'no password in the error (§3.3)');
    const other = await c.iq(registerSet('taken', STRONG));
    assert.equal(errorCondition(other), 'forbidden');
    const change = registerSet('changer', 'New-Password-2');
    change.setAttr('to', 'localhost');
    assert.equal((await c.iq(change)).attrs.type, 'result');
    assert.equal(await loginFails(open.plainPort, 'changer', 'old-Password-1'), true);
    assert.equal(await loginFails(open.plainPort, 'changer', 'New-Password-2'), false);
  });

  test('<remove/> answers, then closes every session with not-authorized and deletes the account', async () => {
    await open.register('leaver', 'pw');
    const one = track(await TestClient.connect(open.plainPort));
    await one.login('leaver', 'pw', { mechanism: 'PLAIN', starttls: false, resource: 'one' });
    const two = track(await TestClient.connect(open.plainPort));
    await two.login('leaver', 'pw', { mechanism: 'PLAIN', starttls: false, resource: 'two' });
    const bad = x(
      'iq',
      NS_CLIENT,
      { type: 'set' },
      x('query', NS_REGISTER, {}, x('remove', NS_REGISTER), x('username', NS_REGISTER, {}, 'x')),
    );
    assert.equal(errorCondition(await one.iq(bad)), 'bad-request');
    const r = await one.iq(removeIq());
    assert.equal(r.attrs.type, 'result');
    assert.equal(await one.expectStreamError(), 'not-authorized');
    assert.equal(await two.expectStreamError(), 'not-authorized');
    await Promise.all([one.closed, two.closed]);
    assert.equal(await open.node.admin.accounts.exists('leaver', 'localhost'), false);
    assert.equal(await loginFails(open.plainPort, 'leaver', 'pw'), true);
  });

  test('by default registration needs TLS and one IP registers once per registration_timeout', async () => {
    const plain = await unauthenticated(strict.plainPort);
    track(plain.c);
    assert.equal(plain.features.getChild('register', NS_REGISTER_FEATURE), undefined);
    assert.equal(errorCondition(await plain.c.iq(registerSet('p1', STRONG))), 'not-authorized');
    const first = await unauthenticated(strict.port, true);
    track(first.c);
    assert.ok(first.features.getChild('register', NS_REGISTER_FEATURE));
    assert.equal((await first.c.iq(registerSet('t1', STRONG))).attrs.type, 'result');
    const second = await unauthenticated(strict.port, true);
    track(second.c);
    assert.equal(
      errorCondition(await second.c.iq(registerSet('t2', STRONG))),
      'resource-constraint',
    );
    assert.equal(await strict.node.admin.accounts.exists('t2', 'localhost'), false);
  });

  test('password change over an unencrypted stream is refused when TLS is required', async () => {
    await strict.register('plainuser', 'pw');
    const c = track(await TestClient.connect(strict.plainPort));
    await c.login('plainuser', 'pw', { mechanism: 'PLAIN', starttls: false });
    assert.equal(errorCondition(await c.iq(registerSet('plainuser', STRONG))), 'not-authorized');
  });

  test('ip_access refuses other addresses; allow_new_accounts=false and allow_remove=false', async () => {
    const l = await unauthenticated(limited.plainPort);
    track(l.c);
    assert.equal(errorCondition(await l.c.iq(registerSet('ipuser', STRONG))), 'forbidden');
    const cl = await unauthenticated(closed.plainPort);
    track(cl.c);
    assert.equal(cl.features.getChild('register', NS_REGISTER_FEATURE), undefined);
    assert.equal(errorCondition(await cl.c.iq(registerGet())), 'not-allowed');
    await closed.register('stayer', 'pw');
    const s = track(await TestClient.connect(closed.plainPort));
    await s.login('stayer', 'pw', { mechanism: 'PLAIN', starttls: false });
    assert.equal(errorCondition(await s.iq(removeIq())), 'not-allowed');
    assert.equal(await closed.node.admin.accounts.exists('stayer', 'localhost'), true);
  });

  test('@xmpp/client changes its password and removes its account', async () => {
    await open.register('xjs', 'First-Secret-1');
    const c = await xmppJs({
      service: `xmpp://127.0.0.1:${open.port}`,
      username: 'xjs',
      password: 'First-Secret-1',
    });
    try {
      await c.iqCaller.request(
        xml(
          'iq',
          { type: 'set', to: 'localhost' },
          xml(
            'query',
            { xmlns: NS_REGISTER },
            xml('username', {}, 'xjs'),
            xml('password', {}, 'Second-Secret-2'),
          ),
        ),
      );
      assert.equal(await loginFails(open.plainPort, 'xjs', 'First-Secret-1'), true);
      assert.equal(await loginFails(open.plainPort, 'xjs', 'Second-Secret-2'), false);
      // XEP-0077 §3.2: the result, then a <not-authorized/> stream error.
      const streamError = new Promise<string | undefined>((resolve) =>
        c.on('error', (err) => resolve((err as { condition?: string }).condition)),
      );
      const reply = await c.iqCaller.request(
        xml('iq', { type: 'set' }, xml('query', { xmlns: NS_REGISTER }, xml('remove'))),
      );
      assert.equal(reply.attrs.type, 'result');
      assert.equal(await streamError, 'not-authorized');
      assert.equal(await open.node.admin.accounts.exists('xjs', 'localhost'), false);
    } finally {
      await stopXmppJs(c);
    }
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { NS_CLIENT, NS_PING, NS_SASL, x } from '../../src/xml/index.ts';
import { BoshClient, NS_HTTPBIND, NS_XBOSH, post } from '../support/bosh-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';

const ping = (id: string) => x('iq', NS_CLIENT, { type: 'get', id }, x('ping', NS_PING));

describe('BOSH (XEP-0124/XEP-0206)', () => {
  let server: TestServer;
  let port: number;
  let proxiedPort: number;
  before(async () => {
    server = await startTestServer({
      // A listener behind a trusted proxy on loopback (X-Forwarded-For/Proto believed).
      toml: '[[listen.http]]\nport = 5282\nip = "127.0.0.1"\ntrusted_proxies = ["127.0.0.1"]\n',
    });
    port = server.httpPort;
    proxiedPort = server.node.httpPorts()[2]!;
    for (const u of ['order', 'retrans', 'term', 'pause', 'push', 'tcp', 'xff', 'badrid']) {
      await server.register(u, `pw-${u}`);
    }
  });
  after(async () => {
    await server.stop();
  });

  const sessionOf = (bare: string) =>
    server.node.sm.all().find((s) => s.jid.bareString() === bare) as
      | { ip: string; transport: string }
      | undefined;

  test('session creation answers with the negotiated attributes and the stream features', async () => {
    const c = await BoshClient.create(port, { wait: 120, hold: 5, ver: '1.6' });
    const a = c.created.attrs;
    assert.match(a.sid!, /^[0-9a-f]{32}$/);
    assert.equal(a.wait, '60', 'wait is capped at 60 s');
    assert.equal(a.hold, '1', 'hold is capped at 1');
    assert.equal(a.requests, '2');
    assert.equal(a.inactivity, '30');
    assert.equal(a.polling, '2');
    assert.equal(a.maxpause, '120');
    assert.equal(a.ver, '1.6', 'the lower of both versions');
    assert.equal(a.from, 'localhost');
    assert.ok(a.authid);
    assert.equal(a.secure, 'false');
    assert.equal(a['xmpp:version'], '1.0');
    assert.equal(a['xmlns:xmpp'], NS_XBOSH);
    const mechs = c.created.getChild('features')?.getChild('mechanisms', NS_SASL);
    assert.ok(mechs?.getChildren('mechanism').some((m) => m.text() === 'SCRAM-SHA-256'));
    await c.send('', { type: 'terminate' });
  });

  test('an unknown sid, a bad body and a wrong root are terminal errors', async () => {
    const unknown = await post(
      port,
      `<body xmlns='${NS_HTTPBIND}' rid='5' sid='0123456789abcdef0123456789abcdef'/>`,
    );
    assert.equal(unknown.status, 200);
    assert.equal(unknown.body?.attrs.type, 'terminate');
    assert.equal(unknown.body?.attrs.condition, 'item-not-found');
    const bad = await post(port, `<body xmlns='${NS_HTTPBIND}' rid='5'><unclosed></body>`);
    assert.equal(bad.body?.attrs.condition, 'bad-request');
    const wrongNs = await post(port, `<body xmlns='jabber:client' rid='5'/>`);
    assert.equal(wrongNs.body?.attrs.condition, 'bad-request');
    const noRid = await post(port, `<body xmlns='${NS_HTTPBIND}' to='localhost'/>`);
    assert.equal(noRid.body?.attrs.condition, 'bad-request');
    const unknownHost = await BoshClient.create(port, { to: 'elsewhere.example' }).catch(
      (e: Error) => e.message,
    );
    assert.match(String(unknownHost), /condition='host-unknown'/);
  });

  test('requests are processed in rid order: rid+2 sent first waits for rid+1', async () => {
    const c = await BoshClient.create(port);
    await c.login('order', 'pw-order');
    const first = c.rid;
    const later = post(port, c.bodyXml(xml(ping('b')), {}, first + 1));
    const earlier = post(port, c.bodyXml(xml(ping('a')), {}, first));
    c.rid += 2;
    const answers = await Promise.all([earlier, later]);
    for (const a of answers) for (const el of a.body?.elements() ?? []) c.inbox.push(el);
    const ids: string[] = [];
    while (ids.length < 2) {
      const el = await c.expect((e) => e.name === 'iq' && e.attrs.type === 'result');
      ids.push(el.attrs.id!);
    }
    assert.deepEqual(ids, ['a', 'b']);
    await c.send('', { type: 'terminate' });
  });

  test('a retransmitted rid gets the same response again', async () => {
    const c = await BoshClient.create(port);
    await c.login('retrans', 'pw-retrans');
    const rid = c.rid;
    const data = c.bodyXml(xml(ping('r1')));
    const once = await c.sendRaw(data);
    const again = await post(port, data);
    assert.equal(again.status, 200);
    assert.equal(again.text.length > 0, true);
    assert.deepEqual(again.body, once, `rid ${rid} answered twice the same`);
    await c.send('', { type: 'terminate' });
  });

  test('a rid outside the window ends the session with item-not-found', async () => {
    const c = await BoshClient.create(port);
    await c.login('badrid', 'pw-badrid');
    const far = await post(port, c.bodyXml('', {}, c.rid + 5));
    assert.equal(far.body?.attrs.type, 'terminate');
    assert.equal(far.body?.attrs.condition, 'item-not-found');
    const after = await post(port, c.bodyXml());
    assert.equal(after.body?.attrs.type, 'terminate');
    await waitFor(() => sessionOf('badrid@localhost') === undefined);
  });

  test('terminate ends the session and the stream', async () => {
    const c = await BoshClient.create(port);
    await c.login('term', 'pw-term');
    assert.equal(sessionOf('term@localhost')?.transport, 'bosh');
    const bye = await c.send(`<presence type='unavailable' xmlns='${NS_CLIENT}'/>`, {
      type: 'terminate',
    });
    assert.equal(bye.attrs.type, 'terminate');
    assert.equal(bye.attrs.condition, undefined);
    await waitFor(() => sessionOf('term@localhost') === undefined);
    const gone = await post(port, c.bodyXml());
    assert.equal(gone.body?.attrs.type, 'terminate');
  });

  test('a pause beyond maxpause is refused; after a short pause the session times out', async () => {
    const c = await BoshClient.create(port);
    const tooLong = await c.send('', { pause: '121' });
    assert.equal(tooLong.attrs.condition, 'policy-violation');

    const p = await BoshClient.create(port);
    await p.login('pause', 'pw-pause');
    const paused = await p.send('', { pause: '1' });
    assert.equal(paused.attrs.type, undefined, 'the pause request is answered at once');
    // No request for longer than the pause: inactivity ends the session.
    await waitFor(() => sessionOf('pause@localhost') === undefined);
    const late = await post(port, p.bodyXml());
    assert.equal(late.body?.attrs.type, 'terminate');
    assert.equal(late.body?.attrs.condition, 'item-not-found');
  });

  test('an oversize body is refused (413 beyond any limit, policy-violation before auth)', async () => {
    const c = await BoshClient.create(port);
    const huge = await post(
      port,
      c.bodyXml(`<message xmlns='${NS_CLIENT}'><body>${'x'.repeat(70_000)}</body></message>`),
    );
    assert.equal(huge.status, 413);
    const preauth = await c.send(
      `<message xmlns='${NS_CLIENT}'><body>${'y'.repeat(20_000)}</body></message>`,
    );
    assert.equal(preauth.attrs.type, 'terminate');
    assert.equal(preauth.attrs.condition, 'policy-violation');
  });

  test('a held long-poll returns a stanza pushed while it waits', async () => {
    const c = await BoshClient.create(port, { wait: 30 });
    await c.login('push', 'pw-push');
    c.inbox.length = 0;
    const poll = c.send();
    const tcp = await TestClient.connect(server.plainPort);
    try {
      await tcp.login('tcp', 'pw-tcp', { mechanism: 'PLAIN', starttls: false, resource: 't' });
      tcp.sendRaw(
        `<message to='${c.jid}' id='pushed' type='chat'><body>over BOSH</body></message>`,
      );
      const body = await poll;
      const m = body.getChild('message', NS_CLIENT);
      assert.equal(m?.attrs.id, 'pushed');
      assert.equal(m?.attrs.from, 'tcp@localhost/t');
      // And the other way: a stanza in a request body reaches the TCP user.
      const got = tcp.expect((el) => el.name === 'message' && el.attrs.id === 'back', 5000);
      void c.send(
        `<message xmlns='${NS_CLIENT}' to='tcp@localhost/t' id='back'><body>hi</body></message>`,
      );
      assert.equal((await got).attrs.from, c.jid);
    } finally {
      tcp.close();
      await c.send('', { type: 'terminate' });
    }
  });

  test('X-Forwarded-For and -Proto are believed only from a trusted proxy', async () => {
    const headers = { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' };
    const untrusted = await BoshClient.create(port, { headers });
    assert.equal(untrusted.created.attrs.secure, 'false');
    await untrusted.send('', { type: 'terminate' });

    const c = await BoshClient.create(proxiedPort, { headers });
    assert.equal(c.created.attrs.secure, 'true');
    const mechs = c.created.getChild('features')?.getChild('mechanisms', NS_SASL);
    assert.ok(mechs?.getChildren('mechanism').some((m) => m.text() === 'PLAIN'));
    await c.login('xff', 'pw-xff');
    assert.equal(sessionOf('xff@localhost')?.ip, '203.0.113.9');
    await c.send('', { type: 'terminate' });
  });
});

function xml(el: ReturnType<typeof x>): string {
  return `<${el.name} xmlns='${NS_CLIENT}' type='${el.attrs.type}' id='${el.attrs.id}'><ping xmlns='${NS_PING}'/></${el.name}>`;
}

async function waitFor(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Element } from '../../src/xml/index.ts';
import {
  NS_CLIENT,
  NS_DELAY,
  NS_PING,
  NS_SM,
  NS_STANZAS,
  NS_STREAM,
  NS_STREAMS_ERR,
  x,
} from '../../src/xml/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';

const PW = 'secret-pw';
const BUFFER_MAX = 5;

const isSm = (name: string) => (el: Element) => el.name === name && el.ns === NS_SM;
const isBody = (text: string) => (el: Element) =>
  el.name === 'message' && el.getChildText('body', NS_CLIENT) === text;

function chat(to: string, text: string): Element {
  return x('message', NS_CLIENT, { to, type: 'chat' }, x('body', NS_CLIENT, {}, text));
}

function pingServer(id: string): Element {
  return x('iq', NS_CLIENT, { type: 'get', to: 'localhost', id }, x('ping', NS_PING));
}

/** Round trip to the server: everything sent before it has been routed when it returns. */
async function sync(c: TestClient): Promise<void> {
  const r = await c.iq(pingServer(`sync-${Math.random().toString(36).slice(2)}`));
  assert.equal(r.attrs.type, 'result');
}

function failedCondition(el: Element): string | undefined {
  return el.elements().find((e) => e.ns === NS_STANZAS)?.name;
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(cond(), what);
}

describe('mod_stream_management (XEP-0198) end to end', () => {
  let server: TestServer;
  const closedJids: string[] = [];

  before(async () => {
    server = await startTestServer({
      toml: `
[modules.mod_roster]
[modules.mod_presence]
[modules.mod_offline]
[modules.mod_disco]
[modules.mod_ping]
[modules.mod_stream_management]
buffer_max = ${BUFFER_MAX}
`,
    });
    server.node.hooks.add({
      hook: 'session-closed',
      handler: (acc, { session }) => {
        closedJids.push(session.jid?.toString() ?? '');
        return acc;
      },
    });
  });
  after(async () => {
    await server.stop();
  });

  const login = async (user: string, resource = 'r'): Promise<TestClient> => {
    await server.register(user, PW).catch(() => {});
    const c = await TestClient.connect(server.plainPort);
    await c.login(user, PW, { mechanism: 'PLAIN', starttls: false, resource });
    return c;
  };

  /** Logs in, binds and enables stream management; returns the client and `<enabled/>`. */
  const smLogin = async (
    user: string,
    attrs: Record<string, string> = { resume: 'true' },
  ): Promise<{ c: TestClient; enabled: Element }> => {
    const c = await login(user);
    c.send(x('enable', NS_SM, attrs));
    const enabled = await c.expect((el) => el.ns === NS_SM && el.name !== 'r');
    assert.equal(enabled.name, 'enabled');
    return { c, enabled };
  };

  /** A new authenticated stream (not bound) that asks to resume `previd`. */
  const resumeStream = async (
    user: string,
    previd: string,
    h: number,
  ): Promise<{ c: TestClient; reply: Element }> => {
    const c = await TestClient.connect(server.plainPort);
    c.openStream();
    const features = await c.expectName('features', NS_STREAM);
    await c.authenticate(features, user, PW, 'PLAIN');
    c.openStream();
    const after = await c.expectName('features', NS_STREAM);
    assert.ok(after.getChild('sm', NS_SM), 'sm offered after authentication');
    c.send(x('resume', NS_SM, { previd, h: String(h) }));
    const reply = await c.expect(
      (el) => el.ns === NS_SM && (el.name === 'resumed' || el.name === 'failed'),
    );
    return { c, reply };
  };

  test('<sm/> is offered after authentication only, and enable before bind fails', async () => {
    await server.register('feat', PW);
    const c = await TestClient.connect(server.plainPort);
    c.openStream();
    const pre = await c.expectName('features', NS_STREAM);
    assert.equal(pre.getChild('sm', NS_SM), undefined);
    await c.authenticate(pre, 'feat', PW, 'PLAIN');
    c.openStream();
    const post = await c.expectName('features', NS_STREAM);
    assert.ok(post.getChild('sm', NS_SM));
    // XEP-0198 §3: enabling before resource binding is unexpected-request.
    c.send(x('enable', NS_SM));
    const failed = await c.expect(isSm('failed'));
    assert.equal(failedCondition(failed), 'unexpected-request');
    // The stream goes on: binding and enabling now work.
    await c.bind('r');
    c.send(x('enable', NS_SM));
    const enabled = await c.expect(isSm('enabled'));
    assert.equal(enabled.attrs.resume, undefined, 'not resumable unless asked');
    c.send(x('enable', NS_SM));
    assert.equal(failedCondition(await c.expect(isSm('failed'))), 'unexpected-request');
    c.close();
  });

  test('enabled carries an id, resume and the max the client asked for (bounded)', async () => {
    const { c, enabled } = await smLogin('enab', { resume: 'true', max: '30' });
    assert.ok(enabled.attrs.id && enabled.attrs.id.length >= 16);
    assert.equal(enabled.attrs.resume, 'true');
    assert.equal(enabled.attrs.max, '30');
    c.close();
    const other = await smLogin('enab2', { resume: 'true', max: '999999' });
    assert.equal(other.enabled.attrs.max, '600', 'capped by max_resume_timeout');
    other.c.close();
  });

  test('<r/> is answered with the count of stanzas handled, and the server requests acks', async () => {
    const { c } = await smLogin('count');
    c.send(x('presence', NS_CLIENT));
    c.send(pingServer('p1'));
    c.send(pingServer('p2'));
    c.send(x('r', NS_SM));
    const a = await c.expect(isSm('a'));
    assert.equal(a.attrs.h, '3');
    // ack_freq = 1: every stanza the server sends is followed by <r/>.
    await c.expect((el) => el.name === 'iq' && el.attrs.id === 'p2');
    await c.expect(isSm('r'));
    c.send(x('a', NS_SM, { h: '2' }));
    c.send(pingServer('p3'));
    c.send(x('r', NS_SM));
    assert.equal((await c.expect(isSm('a'))).attrs.h, '4', 'nonzas are not counted');
    c.close();
  });

  test('an <a/> acknowledging more than was sent is an undefined-condition stream error', async () => {
    const { c } = await smLogin('toohigh');
    await sync(c); // one stanza sent to the client
    c.send(x('a', NS_SM, { h: '5' }));
    const err = await c.expectName('error', NS_STREAM);
    assert.ok(err.getChild('undefined-condition', NS_STREAMS_ERR));
    const detail = err.getChild('handled-count-too-high', NS_SM);
    assert.equal(detail?.attrs.h, '5');
    assert.equal(detail?.attrs['send-count'], '1');
    await c.closed;
  });

  test('<r/> and <a/> before enable are refused with <failed/>', async () => {
    const c = await login('early');
    c.send(x('r', NS_SM));
    assert.equal(failedCondition(await c.expect(isSm('failed'))), 'unexpected-request');
    await sync(c);
    c.close();
  });

  test('resumption after an abrupt disconnect resends unacked stanzas, same session, no close', async () => {
    const bob = await login('rbob');
    const { c: alice, enabled } = await smLogin('ralice');
    const aliceJid = alice.jid;
    const session = server.node.sm.all().find((s) => s.jid.toString() === aliceJid);
    assert.ok(session);
    for (const t of ['m1', 'm2']) bob.send(chat(aliceJid, t));
    await sync(bob);
    await alice.expect(isBody('m2'));
    alice.send(x('a', NS_SM, { h: '1' })); // only m1 acknowledged
    await sync(alice); // the server has handled 1 stanza from alice, sent her 3
    alice.destroy();
    const detached = () => (session as unknown as { detached: boolean }).detached;
    await until(detached, 'the session waits for a resumption');
    bob.send(chat(aliceJid, 'm3')); // while detached: kept for the resumption
    await sync(bob);
    const { c: again, reply } = await resumeStream('ralice', enabled.attrs.id!, 1);
    assert.equal(reply.name, 'resumed');
    assert.equal(reply.attrs.previd, enabled.attrs.id);
    assert.equal(reply.attrs.h, '1');
    // Unacked: m2, the ping result, m3, in order; m1 is not sent again.
    await again.expect(isBody('m2'));
    await again.expect(isBody('m3'));
    assert.ok(!again.raw.includes('>m1<'));
    assert.ok(again.raw.indexOf('resumed') < again.raw.indexOf('m2'));
    // The same session continues: same full JID, no session-closed, stanzas flow both ways.
    assert.equal(
      server.node.sm.all().find((s) => s.jid.toString() === aliceJid),
      session,
    );
    assert.ok(!closedJids.includes(aliceJid));
    again.send(chat(bob.jid, 'back'));
    await bob.expect(isBody('back'));
    again.send(x('r', NS_SM));
    assert.equal((await again.expect(isSm('a'))).attrs.h, '2');
    again.close();
    bob.close();
  });

  test('resuming while the old connection is still open moves the session and closes the old one', async () => {
    const { c: old, enabled } = await smLogin('rlive');
    const { c, reply } = await resumeStream('rlive', enabled.attrs.id!, 0);
    assert.equal(reply.name, 'resumed');
    assert.equal(await old.expectStreamError(), 'conflict');
    await old.closed;
    await sync(c);
    c.close();
  });

  test('a fresh bind of the same resource replaces a detached session and gets its unacked messages', async () => {
    const bob = await login('xbob');
    const { c: alice } = await smLogin('xalice');
    const aliceJid = alice.jid;
    const session = server.node.sm.all().find((s) => s.jid.toString() === aliceJid);
    bob.send(chat(aliceJid, 'pending'));
    await alice.expect(isBody('pending'));
    alice.destroy();
    const detached = () => (session as unknown as { detached: boolean }).detached;
    await until(detached, 'detached');
    const next = await login('xalice'); // same resource, no resumption attempted
    assert.equal(next.jid, aliceJid);
    await next.expect(isBody('pending'));
    assert.ok(closedJids.includes(aliceJid), 'the detached session ended');
    next.close();
    bob.close();
  });

  test('resume with an unknown previd, or another user’s, fails with item-not-found', async () => {
    const { c: owner, enabled } = await smLogin('rowner');
    await server.register('rother', PW);
    const bad = await resumeStream('rother', 'no-such-id', 0);
    assert.equal(bad.reply.name, 'failed');
    assert.equal(failedCondition(bad.reply), 'item-not-found');
    // The failed stream may still bind a fresh session.
    await bad.c.bind('fresh');
    await sync(bad.c);
    const thief = await resumeStream('rother', enabled.attrs.id!, 0);
    assert.equal(failedCondition(thief.reply), 'item-not-found');
    await sync(owner); // the owner's session is untouched
    for (const c of [owner, bad.c, thief.c]) c.close();
  });

  test('when the resumption time runs out, unacked messages go to offline storage', async () => {
    const bob = await login('tbob');
    const { c: alice, enabled } = await smLogin('talice', { resume: 'true', max: '1' });
    assert.equal(enabled.attrs.max, '1');
    const aliceJid = alice.jid;
    bob.send(chat(aliceJid, 'unacked-1'));
    await sync(bob);
    await alice.expect(isBody('unacked-1'));
    alice.destroy();
    await until(() => closedJids.includes(aliceJid), 'the detached session ended');
    bob.send(chat(aliceJid, 'after-expiry'));
    await sync(bob);
    const resumed = await resumeStream('talice', enabled.attrs.id!, 0);
    assert.equal(failedCondition(resumed.reply), 'item-not-found');
    resumed.c.close();
    const next = await login('talice', 'r2');
    next.send(x('presence', NS_CLIENT));
    const m = await next.expect(isBody('unacked-1'));
    assert.ok(m.getChild('delay', NS_DELAY), 'delivered from offline storage with <delay/>');
    await next.expect(isBody('after-expiry'));
    next.close();
    bob.close();
  });

  test('a clean close with unacked messages sends them to offline storage', async () => {
    const bob = await login('cbob');
    const { c: alice } = await smLogin('calice', {});
    const aliceJid = alice.jid;
    bob.send(chat(aliceJid, 'never-acked'));
    await alice.expect(isBody('never-acked'));
    alice.close();
    await until(() => closedJids.includes(aliceJid), 'closed');
    const next = await login('calice', 'r2');
    next.send(x('presence', NS_CLIENT));
    const m = await next.expect(isBody('never-acked'));
    assert.ok(m.getChild('delay', NS_DELAY));
    next.close();
    bob.close();
  });

  test('more than buffer_max unacked stanzas end the stream with resource-constraint; none lost', async () => {
    const bob = await login('bbob');
    const { c: alice } = await smLogin('balice', {});
    const aliceJid = alice.jid;
    const texts = Array.from({ length: BUFFER_MAX * 2 + 1 }, (_, i) => `flood-${i}`);
    for (const t of texts) bob.send(chat(aliceJid, t));
    assert.equal(await alice.expectStreamError(), 'resource-constraint');
    assert.ok(alice.raw.includes('too many unacked stanzas'));
    await until(() => closedJids.includes(aliceJid), 'closed');
    await sync(bob);
    const next = await login('balice', 'r2');
    next.send(x('presence', NS_CLIENT));
    for (const t of texts) await next.expect(isBody(t));
    next.close();
    bob.close();
  });
});

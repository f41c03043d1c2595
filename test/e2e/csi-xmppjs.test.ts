import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { client } from '@xmpp/client';
import type { Element as LtxElement } from '@xmpp/xml';
import { NS_CLIENT, NS_PING, x } from '../../src/xml/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';
import { stopXmppJs } from '../support/xmpp-js.ts';

const NS_CSI = 'urn:xmpp:csi:0';
const NS_CHATSTATES = 'http://jabber.org/protocol/chatstates';

/** An @xmpp/client session that records every stanza and nonza (stream features) it receives. */
async function phone(server: TestServer, user: string) {
  let raw = '';
  const received: LtxElement[] = [];
  const xmpp = client({
    timeout: 15_000,
    service: `xmpp://127.0.0.1:${server.plainPort}`,
    domain: 'localhost',
    resource: 'phone',
    username: user,
    password: `pw-${user}`,
  });
  xmpp.on('error', () => {});
  xmpp.reconnect.stop();
  xmpp.on('nonza', (el) => {
    raw += String(el);
  });
  xmpp.on('stanza', (el: LtxElement) => received.push(el));
  await xmpp.start();
  received.length = 0; // the resource binding result
  // The CSI nonzas are written raw: xmpp.js's stream management would count them as stanzas.
  const write = (s: string) => (xmpp as unknown as { write(s: string): Promise<void> }).write(s);
  /** Writes a state and waits until the server has processed it (a barrier, not a delay). */
  const indicate = async (state: 'active' | 'inactive') => {
    const name = `meerkat_csi_state_changes_total{state="${state}"}`;
    const seen = await metric(server, name);
    await write(`<${state} xmlns='${NS_CSI}'/>`);
    await waitMetric(server, name, seen + 1);
  };
  return {
    xmpp,
    jid: xmpp.jid!.toString(),
    received,
    raw: () => raw,
    inactive: () => indicate('inactive'),
    active: () => indicate('active'),
    /** Waits until a received stanza matches, returning every stanza received up to it. */
    async until(pred: (el: LtxElement) => boolean): Promise<LtxElement[]> {
      for (let i = 0; i < 600; i++) {
        const at = received.findIndex(pred);
        if (at >= 0) return received.splice(0, at + 1);
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`timed out; received ${received.map((e) => e.toString()).join(' ')}`);
    },
  };
}

function presence(to: string, status: string) {
  return x('presence', NS_CLIENT, { to }, x('status', NS_CLIENT, {}, status));
}
function chatState(to: string, state: string) {
  return x('message', NS_CLIENT, { to, type: 'chat' }, x(state, NS_CHATSTATES));
}
function chat(to: string, text: string) {
  return x('message', NS_CLIENT, { to, type: 'chat' }, x('body', NS_CLIENT, {}, text));
}

async function metric(server: TestServer, line: string): Promise<number> {
  const text = await server.node.metrics.render();
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? 0 : Number(found.slice(line.length + 1));
}

/** Waits until a counter reaches `n` (a barrier on the server's progress, not a timing check). */
async function waitMetric(server: TestServer, name: string, n: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if ((await metric(server, name)) >= n) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${name} never reached ${n}`);
}

const heldAtLeast = (server: TestServer, kind: string, n: number) =>
  waitMetric(server, `meerkat_csi_queued_total{kind="${kind}"}`, n);

const status = (el: LtxElement) => el.getChildText('status');

describe('XEP-0352 Client State Indication with @xmpp/client', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(); // mod_csi is a default module
    for (const u of ['csia', 'csib', 'csic', 'csid']) await server.register(u, `pw-${u}`);
  });
  after(async () => {
    await server.stop();
  });

  test('offers csi; while inactive, presence keeps only the latest per full JID and a body flushes in order', async () => {
    const alice = await phone(server, 'csia');
    const bob = await TestClient.connect(server.plainPort);
    await bob.login('csib', 'pw-csib', { mechanism: 'PLAIN', starttls: false, resource: 'b1' });
    const bob2 = await TestClient.connect(server.plainPort);
    await bob2.login('csib', 'pw-csib', { mechanism: 'PLAIN', starttls: false, resource: 'b2' });
    try {
      assert.match(alice.raw(), /<csi xmlns=['"]urn:xmpp:csi:0['"]\/>/);
      const before = await metric(server, 'meerkat_csi_queued_total{kind="presence"}');
      await alice.inactive();
      bob.send(presence(alice.jid, 'one'));
      bob.send(presence(alice.jid, 'two'));
      bob2.send(presence(alice.jid, 'other resource'));
      bob.send(chatState(alice.jid, 'composing'));
      bob.send(presence(alice.jid, 'three'));
      bob.send(chatState(alice.jid, 'paused'));
      await heldAtLeast(server, 'presence', before + 4);
      assert.equal(alice.received.length, 0, 'nothing reached the inactive client');
      bob.send(chat(alice.jid, 'wake up'));
      const got = await alice.until((el) => el.getChildText('body') === 'wake up');
      assert.deepEqual(
        got.map(
          (el) =>
            `${el.name} ${el.attrs.from} ${status(el) ?? (el.children[0] as LtxElement | undefined)?.name}`,
        ),
        [
          'presence csib@localhost/b2 other resource',
          'presence csib@localhost/b1 three',
          'message csib@localhost/b1 paused',
          'message csib@localhost/b1 body',
        ],
      );
      assert.ok((await metric(server, 'meerkat_csi_dropped_total{reason="superseded"}')) >= 3);
      assert.ok((await metric(server, 'meerkat_csi_flushes_total{reason="urgent"}')) >= 1);
    } finally {
      bob.close();
      bob2.close();
      await stopXmppJs(alice.xmpp);
    }
  });

  test('<active/> delivers what was held, and an IQ flushes the queue before itself', async () => {
    const alice = await phone(server, 'csic');
    const bob = await TestClient.connect(server.plainPort);
    await bob.login('csid', 'pw-csid', { mechanism: 'PLAIN', starttls: false, resource: 'b' });
    try {
      let held = await metric(server, 'meerkat_csi_queued_total{kind="presence"}');
      await alice.inactive();
      bob.send(presence(alice.jid, 'away for a while'));
      await heldAtLeast(server, 'presence', ++held);
      assert.equal(alice.received.length, 0);
      await alice.active();
      assert.deepEqual((await alice.until((el) => el.name === 'presence')).map(status), [
        'away for a while',
      ]);
      // Active again: delivered at once, nothing held.
      bob.send(presence(alice.jid, 'live'));
      assert.deepEqual((await alice.until((el) => el.name === 'presence')).map(status), ['live']);

      await alice.inactive();
      bob.send(presence(alice.jid, 'before the ping'));
      await heldAtLeast(server, 'presence', ++held);
      // xmpp.js answers the ping itself; bob sees the result, alice saw the presence first.
      const pong = await bob.iq(
        x('iq', NS_CLIENT, { type: 'get', to: alice.jid, id: 'csi-ping' }, x('ping', NS_PING)),
      );
      assert.equal(pong.attrs.type, 'result');
      const got = await alice.until((el) => el.name === 'iq');
      assert.deepEqual(
        got.map((el) => el.name),
        ['presence', 'iq'],
      );
      assert.equal(status(got[0]!), 'before the ping');
    } finally {
      bob.close();
      await stopXmppJs(alice.xmpp);
    }
  });
});

describe('XEP-0352 with chat_states = "drop"', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ toml: '[modules.mod_csi]\nchat_states = "drop"\n' });
    for (const u of ['csie', 'csif']) await server.register(u, `pw-${u}`);
  });
  after(async () => {
    await server.stop();
  });

  test('chat-state-only messages for an inactive client are dropped; a body still arrives', async () => {
    const alice = await phone(server, 'csie');
    const bob = await TestClient.connect(server.plainPort);
    await bob.login('csif', 'pw-csif', { mechanism: 'PLAIN', starttls: false, resource: 'b' });
    try {
      await alice.inactive();
      bob.send(chatState(alice.jid, 'composing'));
      bob.send(chatState(alice.jid, 'paused'));
      await waitMetric(server, 'meerkat_csi_dropped_total{reason="chat_state"}', 2);
      assert.equal(await metric(server, 'meerkat_csi_dropped_total{reason="chat_state"}'), 2);
      bob.send(chat(alice.jid, 'hello'));
      const got = await alice.until((el) => el.getChildText('body') === 'hello');
      assert.equal(got.length, 1, got.map((e) => e.toString()).join(' '));
    } finally {
      bob.close();
      await stopXmppJs(alice.xmpp);
    }
  });
});

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Client } from '@xmpp/client';
import type { Element as XElement } from '@xmpp/xml';
import { verString } from '../../src/modules/pep/index.ts';
import { NS_DISCO_INFO, x } from '../../src/xml/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { stopXmppJs, xml, xmppJs } from '../support/xmpp-js.ts';
import { befriend, NS_CAPS, NS_PUBSUB, NS_PUBSUB_EVENT } from './pep-support.ts';

const SLIXMPP_PEP = fileURLToPath(new URL('../support/slixmpp-pep.py', import.meta.url));
const AXOLOTL = 'eu.siacs.conversations.axolotl';
const AXOLOTL_DEVICES = `${AXOLOTL}.devicelist`;
const OMEMO2 = 'urn:xmpp:omemo:2';
const OMEMO2_DEVICES = `${OMEMO2}:devices`;
const PUBLISH_OPTIONS = 'http://jabber.org/protocol/pubsub#publish-options';

function runPython(script: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/python3', [script, ...args], { timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${script} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

/**
 * Gives an @xmpp/client entity caps with +notify for `nodes` (XEP-0115 §4) and answers the
 * server's disco#info query; resolves once that query was answered.
 */
async function announceCaps(c: Client, nodes: string[]): Promise<void> {
  const node = 'https://meerkat.test/xmppjs';
  const features = [NS_DISCO_INFO, ...nodes.map((n) => `${n}+notify`)];
  const ours = x(
    'query',
    NS_DISCO_INFO,
    {},
    x('identity', NS_DISCO_INFO, { category: 'client', type: 'pc', name: 'xmpp.js' }),
    ...features.map((v) => x('feature', NS_DISCO_INFO, { var: v })),
  );
  const ver = verString(ours, 'sha-1')!;
  let answered!: () => void;
  const done = new Promise<void>((r) => {
    answered = r;
  });
  c.iqCallee.get(NS_DISCO_INFO, 'query', (ctx) => {
    setImmediate(answered);
    return xml(
      'query',
      { xmlns: NS_DISCO_INFO, node: ctx.element.attrs.node },
      xml('identity', { category: 'client', type: 'pc', name: 'xmpp.js' }),
      ...features.map((v) => xml('feature', { var: v })),
    );
  });
  await c.send(xml('presence', {}, xml('c', { xmlns: NS_CAPS, hash: 'sha-1', node, ver })));
  await done;
}

function nextEvent(c: Client, from: string, node: string): Promise<XElement> {
  return new Promise((resolve) => {
    const onStanza = (s: XElement) => {
      const items = s.getChild('event', NS_PUBSUB_EVENT)?.getChild('items');
      if (s.is('message') && s.attrs.from === from && items?.attrs.node === node) {
        c.removeListener('stanza', onStanza);
        resolve(s);
      }
    };
    c.on('stanza', onStanza);
  });
}

function publishOpen(node: string, id: string, payload: XElement): XElement {
  return xml(
    'iq',
    { type: 'set' },
    xml(
      'pubsub',
      { xmlns: NS_PUBSUB },
      xml('publish', { node }, xml('item', { id }, payload)),
      xml(
        'publish-options',
        {},
        xml(
          'x',
          { xmlns: 'jabber:x:data', type: 'submit' },
          xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, PUBLISH_OPTIONS)),
          xml('field', { var: 'pubsub#access_model' }, xml('value', {}, 'open')),
        ),
      ),
    ),
  );
}

describe('PEP with real client libraries', () => {
  let server: TestServer;
  const xjs: Client[] = [];
  const connect = async (username: string): Promise<Client> => {
    const c = await xmppJs({
      service: `xmpp://127.0.0.1:${server.port}`,
      username,
      password: 'pw',
    });
    xjs.push(c);
    return c;
  };

  before(async () => {
    server = await startTestServer();
    for (const u of ['alice', 'bob', 'carol', 'sli1', 'sli2']) await server.register(u, 'pw');
    await befriend(server, 'alice', 'bob');
    await befriend(server, 'sli1', 'sli2');
  });
  after(async () => {
    for (const c of xjs) await stopXmppJs(c);
    await server.stop();
  });

  test('@xmpp/client: OMEMO device lists published with publish-options open reach a contact; a stranger reads them', async () => {
    const bob = await connect('bob');
    await announceCaps(bob, [AXOLOTL_DEVICES, OMEMO2_DEVICES]);
    const alice = await connect('alice');
    const legacy = nextEvent(bob, 'alice@localhost', AXOLOTL_DEVICES);
    const r1 = await alice.iqCaller.request(
      publishOpen(
        AXOLOTL_DEVICES,
        'current',
        xml('list', { xmlns: AXOLOTL }, xml('device', { id: '31415' })),
      ),
    );
    assert.equal(r1.attrs.type, 'result');
    const ev1 = await legacy;
    assert.equal(ev1.attrs.type, 'headline');
    const list = ev1
      .getChild('event', NS_PUBSUB_EVENT)
      ?.getChild('items')
      ?.getChild('item')
      ?.getChild('list', AXOLOTL);
    assert.equal(list?.getChild('device')?.attrs.id, '31415');
    const v2 = nextEvent(bob, 'alice@localhost', OMEMO2_DEVICES);
    await alice.iqCaller.request(
      publishOpen(
        OMEMO2_DEVICES,
        'current',
        xml('devices', { xmlns: OMEMO2 }, xml('device', { id: '2718', label: 'laptop' })),
      ),
    );
    const ev2 = await v2;
    const devices = ev2
      .getChild('event', NS_PUBSUB_EVENT)
      ?.getChild('items')
      ?.getChild('item')
      ?.getChild('devices', OMEMO2);
    assert.equal(devices?.getChild('device')?.attrs.label, 'laptop');
    // Open access: carol, no contact of alice's, fetches the device list before a first message.
    const carol = await connect('carol');
    const got = await carol.iqCaller.request(
      xml(
        'iq',
        { type: 'get', to: 'alice@localhost' },
        xml('pubsub', { xmlns: NS_PUBSUB }, xml('items', { node: AXOLOTL_DEVICES })),
      ),
    );
    const item = got.getChild('pubsub', NS_PUBSUB)?.getChild('items')?.getChild('item');
    assert.equal(item?.attrs.id, 'current');
    assert.equal(item?.getChild('list', AXOLOTL)?.getChild('device')?.attrs.id, '31415');
  });

  test("slixmpp's xep_0084/xep_0172 publish an avatar and a nick; the contact's xep_0163/xep_0115 get the events and retrieve the data", async () => {
    const out = await runPython(SLIXMPP_PEP, [
      '127.0.0.1',
      String(server.port),
      'sli2@localhost',
      'sli1@localhost',
      'pw',
    ]);
    const r = JSON.parse(out) as Record<string, unknown>;
    assert.equal(r.metadata_from, 'sli1@localhost');
    assert.equal(r.metadata_id, r.expected_id);
    assert.equal(r.metadata_bytes, 8 + 1024);
    assert.equal(r.nick, 'Alice in PEP');
    assert.equal(r.avatar_equal, true);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { NS_CLIENT, NS_SASL, NS_STREAM, x } from '../../src/xml/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { TestClient } from '../support/xmpp-client.ts';

const PLAIN = { mechanism: 'PLAIN', starttls: false } as const;
const turn = () => new Promise((r) => setTimeout(r, 1));

/** Each misbehaviour resolves to the stream error condition the server answered with. */
type Misbehaviour = (server: TestServer) => Promise<string>;

async function opened(port: number): Promise<TestClient> {
  const c = await TestClient.connect(port);
  c.openStream();
  await c.expectName('features', NS_STREAM);
  return c;
}

async function streamJunk(c: TestClient, prefix: string, chunk: Buffer): Promise<void> {
  c.sendRaw(prefix);
  for (let sent = 0; sent < 2 * 1024 * 1024 && !c.raw.includes('<stream:error>'); ) {
    c.sendRaw(chunk);
    sent += chunk.length;
    await turn();
  }
}

const BAD: Record<string, [Misbehaviour, string]> = {
  'billion laughs': [
    async (s) => {
      const c = await TestClient.connect(s.port);
      c.sendRaw(
        `<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]><stream:stream to='localhost' xmlns='jabber:client' xmlns:stream='${NS_STREAM}' version='1.0'>`,
      );
      return c.expectStreamError();
    },
    'restricted-xml',
  ],
  'huge unterminated attribute': [
    async (s) => {
      const c = await opened(s.port);
      await streamJunk(c, "<message to='", Buffer.alloc(2048, 'z'));
      return c.expectStreamError();
    },
    'policy-violation',
  ],
  '1 MiB stanza after auth': [
    async (s) => {
      const c = await TestClient.connect(s.plainPort);
      await c.login('mallory', 'pw-mallory', { ...PLAIN, resource: 'big' });
      await streamJunk(c, "<message to='bob@localhost'><body>", Buffer.alloc(16 * 1024, 'q'));
      return c.expectStreamError();
    },
    'policy-violation',
  ],
  'invalid UTF-8': [
    async (s) => {
      const c = await opened(s.port);
      c.sendRaw(Buffer.from([0x3c, 0x6d, 0xff, 0xfe, 0x3e]));
      return c.expectStreamError();
    },
    'not-well-formed',
  ],
  'three wrong passwords': [
    async (s) => {
      const c = await opened(s.plainPort);
      for (let i = 0; i < 3; i++) {
        c.send(
          x('auth', NS_SASL, { mechanism: 'PLAIN' }, Buffer.from('\0bob\0nope').toString('base64')),
        );
        await c.expect((e) => e.ns === NS_SASL && e.name === 'failure');
      }
      return c.expectStreamError();
    },
    'policy-violation',
  ],
  'forged from': [
    async (s) => {
      const c = await TestClient.connect(s.plainPort);
      await c.login('mallory', 'pw-mallory', { ...PLAIN, resource: 'forger' });
      c.send(x('message', NS_CLIENT, { to: 'bob@localhost/b', from: 'alice@localhost/a' }));
      return c.expectStreamError();
    },
    'invalid-from',
  ],
  'disconnect mid-stanza': [
    async (s) => {
      const c = await TestClient.connect(s.plainPort);
      await c.login('mallory', 'pw-mallory', { ...PLAIN, resource: 'cut' });
      c.sendRaw("<message to='bob@localhost/b'><body>never fini");
      await turn();
      c.destroy();
      await c.closed;
      return 'closed';
    },
    'closed',
  ],
};

describe('misbehaving clients do not disturb well-behaved ones', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ toml: '[modules]' });
    for (const u of ['alice', 'bob', 'mallory']) await server.register(u, `pw-${u}`);
  });
  after(async () => {
    await server.stop();
  });

  test('a conversation goes on, complete and in order, while every misbehaviour runs', async () => {
    const alice = await TestClient.connect(server.plainPort);
    await alice.login('alice', 'pw-alice', { ...PLAIN, resource: 'a' });
    const bob = await TestClient.connect(server.plainPort);
    await bob.login('bob', 'pw-bob', { ...PLAIN, resource: 'b' });

    const COUNT = 300;
    const received: string[] = [];
    const conversation = (async () => {
      for (let i = 0; i < COUNT; i++) {
        alice.send(
          x(
            'message',
            NS_CLIENT,
            { to: 'bob@localhost/b', id: `m${i}` },
            x('body', NS_CLIENT, {}, `n${i}`),
          ),
        );
        if (i % 10 === 0) await turn();
      }
      for (let i = 0; i < COUNT; i++) {
        const m = await bob.expect(
          (el) => el.name === 'message' && el.attrs.from === 'alice@localhost/a',
          20_000,
        );
        received.push(m.getChildText('body') ?? '');
      }
    })();
    const names = Object.keys(BAD);
    const outcomes = await Promise.all(names.map((n) => BAD[n]![0](server)));
    await conversation;

    for (const [i, n] of names.entries()) assert.equal(outcomes[i], BAD[n]![1], n);
    assert.deepEqual(
      received,
      Array.from({ length: COUNT }, (_, i) => `n${i}`),
    );
    assert.ok(!alice.isClosed && !bob.isClosed, 'the good clients are still connected');
    assert.ok(
      !bob.raw.includes('never fini') && !bob.raw.includes('qqqq'),
      'no partial stanza leaked',
    );
    // And new clients are still served.
    const carol = await TestClient.connect(server.port);
    carol.openStream();
    await carol.expectName('features', NS_STREAM);
    carol.close();
    alice.close();
    bob.close();
  });

  test('the session table holds only the live sessions afterwards', async () => {
    const alice = await TestClient.connect(server.plainPort);
    await alice.login('alice', 'pw-alice', { ...PLAIN, resource: 'again' });
    // Closed sessions (mallory's forger, big and cut, the first test's pair) get unbound.
    const deadline = Date.now() + 5000;
    while (server.node.sm.count() > 1 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(
      server.node.sm.all().map((s) => s.jid.toString()),
      ['alice@localhost/again'],
    );
    alice.close();
  });
});

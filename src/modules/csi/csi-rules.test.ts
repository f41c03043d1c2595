import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NS_CARBONS, NS_CHATSTATES, NS_CLIENT, NS_FORWARD, NS_HINTS, x } from '../../xml/index.ts';
import { CsiQueue } from './csi-queue.ts';
import { classify } from './csi-rules.ts';

const from = { from: 'bob@localhost/b' };
const msg = (...children: ReturnType<typeof x>[]) =>
  x('message', NS_CLIENT, { ...from, type: 'chat' }, ...children);

test('IQs, bodies, encrypted payloads, errors and subscription presence are urgent', () => {
  assert.equal(classify(x('iq', NS_CLIENT, { type: 'get' })).kind, 'urgent');
  assert.equal(classify(msg(x('body', NS_CLIENT, {}, 'hi'))).kind, 'urgent');
  assert.equal(classify(msg(x('encrypted', 'eu.siacs.conversations.axolotl'))).kind, 'urgent');
  assert.equal(classify(x('message', NS_CLIENT, { type: 'error' })).kind, 'urgent');
  assert.equal(classify(x('presence', NS_CLIENT, { type: 'subscribe' })).kind, 'urgent');
});

test('broadcast presence is keyed by sender full JID; chat states alone are chat-state', () => {
  assert.deepEqual(classify(x('presence', NS_CLIENT, from)), {
    kind: 'presence',
    key: 'p bob@localhost/b',
  });
  assert.equal(
    classify(x('presence', NS_CLIENT, { ...from, type: 'unavailable' })).kind,
    'presence',
  );
  assert.equal(
    classify(msg(x('composing', NS_CHATSTATES), x('no-store', NS_HINTS))).kind,
    'chat-state',
  );
  // A chat state beside a body is a message: urgent.
  assert.equal(
    classify(msg(x('active', NS_CHATSTATES), x('body', NS_CLIENT, {}, 'x'))).kind,
    'urgent',
  );
  // A receipt is deferrable.
  assert.equal(classify(msg(x('received', 'urn:xmpp:receipts', { id: '1' }))).kind, 'deferrable');
});

test('a carbon copy is classified as the message it carries', () => {
  const carbon = (inner: ReturnType<typeof x>) =>
    x(
      'message',
      NS_CLIENT,
      { from: 'me@localhost' },
      x('received', NS_CARBONS, {}, x('forwarded', NS_FORWARD, {}, inner)),
    );
  assert.equal(classify(carbon(msg(x('body', NS_CLIENT, {}, 'x')))).kind, 'urgent');
  assert.equal(classify(carbon(msg(x('paused', NS_CHATSTATES)))).kind, 'chat-state');
});

test('the queue keeps the latest per key at the end, and says when it is full', () => {
  const q = new CsiQueue(3);
  const p = (s: string) => x('presence', NS_CLIENT, {}, x('status', NS_CLIENT, {}, s));
  assert.equal(q.add(p('a1'), 'a'), 'queued');
  assert.equal(q.add(p('b1'), 'b'), 'queued');
  assert.equal(q.add(p('a2'), 'a'), 'superseded');
  assert.deepEqual(
    q.take().map((e) => e.getChildText('status')),
    ['b1', 'a2'],
  );
  assert.equal(q.size, 0);
  q.add(p('1'));
  q.add(p('2'));
  assert.equal(q.add(p('3')), 'full');
});

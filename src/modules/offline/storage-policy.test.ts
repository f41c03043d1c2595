import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NS_CHATSTATES, NS_CLIENT, NS_HINTS, NS_MSGOFFLINE, x } from '../../xml/index.ts';
import { offlineDecision } from './storage-policy.ts';

const body = () => x('body', NS_CLIENT, {}, 'hi');
const msg = (type: string | undefined, ...children: ReturnType<typeof x>[]) =>
  x('message', NS_CLIENT, { type }, ...children);

test('normal and chat messages with a body are stored (XEP-0160 §4)', () => {
  assert.equal(offlineDecision(msg(undefined, body())), 'store');
  assert.equal(offlineDecision(msg('normal', body())), 'store');
  assert.equal(offlineDecision(msg('chat', body())), 'store');
});

test('groupchat, headline and error messages are not stored', () => {
  for (const type of ['groupchat', 'headline', 'error']) {
    assert.equal(offlineDecision(msg(type, body())), 'refuse', type);
  }
});

test('a standalone chat state is dropped, a chat state with a body is stored', () => {
  const composing = x('composing', NS_CHATSTATES);
  assert.equal(offlineDecision(msg('chat', composing)), 'drop');
  assert.equal(
    offlineDecision(msg('chat', x('active', NS_CHATSTATES), x('thread', NS_CLIENT, {}, 't'))),
    'drop',
  );
  assert.equal(offlineDecision(msg('chat', body(), x('active', NS_CHATSTATES))), 'store');
});

test('a message without body or chat state is refused (the sender gets an error)', () => {
  assert.equal(offlineDecision(msg('chat')), 'refuse');
  assert.equal(offlineDecision(msg('chat', x('received', 'urn:xmpp:receipts'))), 'refuse');
  assert.equal(offlineDecision(msg('chat', x('composing', NS_CHATSTATES), x('x', 'y'))), 'refuse');
});

test('XEP-0334 hints override the body rule', () => {
  assert.equal(offlineDecision(msg('chat', x('store', NS_HINTS))), 'store');
  assert.equal(offlineDecision(msg('chat', body(), x('no-store', NS_HINTS))), 'refuse');
  assert.equal(offlineDecision(msg('headline', body(), x('store', NS_HINTS))), 'refuse');
});

test('XEP-0013 offline markers are never stored again', () => {
  assert.equal(offlineDecision(msg('chat', body(), x('offline', NS_MSGOFFLINE))), 'refuse');
});

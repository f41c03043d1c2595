import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Element, emptyAttrs, NS_CLIENT, x } from '../../xml/index.ts';
import { type BoshReply, BoshSession } from './bosh-session.ts';
import { DEFAULT_BOSH_LIMITS, type Negotiated } from './protocol.ts';
import type { BoshRequest } from './request.ts';

const PARAMS: Negotiated = {
  wait: 60,
  hold: 1,
  requests: 2,
  inactivity: 30,
  polling: 2,
  maxPause: 120,
  ver: '1.11',
};

function setup(params: Partial<Negotiated> = {}, maxPending = 1000) {
  const seen: Element[] = [];
  const events: string[] = [];
  const removed: string[] = [];
  let onEnded = () => {};
  const ended = new Promise<void>((r) => {
    onEnded = r;
  });
  const s = new BoshSession({
    sid: 'sid1',
    params: { ...PARAMS, ...params },
    limits: { ...DEFAULT_BOSH_LIMITS, maxPendingStanzas: maxPending },
    ip: '192.0.2.1',
    secure: false,
    maxBodyBytes: 10_000,
    onRemove: (sid) => removed.push(sid),
  });
  s.setUpstream({
    open: () => events.push('open'),
    element: (el) => seen.push(el),
    close: () => events.push('close'),
    ended: () => {
      events.push('ended');
      onEnded();
    },
  });
  return { s, seen, events, removed, ended };
}

function req(rid: number, o: Partial<BoshRequest> = {}): BoshRequest {
  return {
    rid,
    sid: 'sid1',
    attrs: emptyAttrs(),
    children: [],
    terminate: false,
    restart: false,
    xmppVersion: '1.0',
    pause: undefined,
    bytes: 100,
    ...o,
  };
}

function reply(): BoshReply & { got: string[] } {
  const got: string[] = [];
  return { got, send: (xml) => got.push(xml) };
}

const msg = (id: string) => x('message', NS_CLIENT, { id });

describe('BoshSession', () => {
  test('processes requests in rid order and answers the oldest past hold', () => {
    const { s, seen } = setup();
    const r0 = reply();
    s.start(req(10), r0);
    s.send('<stream:features/>', true);
    const r2 = reply();
    s.handle(req(12, { children: [msg('b')] }), r2);
    assert.equal(seen.length, 0, 'rid 12 waits for rid 11');
    const r1 = reply();
    s.handle(req(11, { children: [msg('a')] }), r1);
    assert.deepEqual(
      seen.map((e) => e.attrs.id),
      ['a', 'b'],
    );
    assert.equal(r0.got.length, 1, 'the creation request was answered');
    assert.match(r0.got[0]!, /sid='sid1'/);
    assert.equal(r1.got.length, 1, 'hold=1: rid 11 answered when rid 12 was held');
    assert.equal(r2.got.length, 0);
    s.terminate('system-shutdown');
  });

  test('a retransmitted rid gets the same response; an old unknown rid ends the session', () => {
    const { s, events } = setup({ hold: 0, requests: 1 });
    s.start(req(1), reply());
    s.send('<message/>', false);
    const a = reply();
    s.handle(req(2), a);
    const again = reply();
    s.handle(req(2), again);
    assert.equal(again.got[0], a.got[0]);
    s.handle(req(3), reply());
    s.handle(req(4), reply());
    const stale = reply();
    s.handle(req(1), stale);
    assert.match(stale.got[0]!, /condition='item-not-found'/);
    assert.ok(events.includes('ended'));
  });

  test('a rid beyond the window terminates with item-not-found', () => {
    const { s, events, removed } = setup();
    const held = reply();
    s.start(req(5), held);
    const far = reply();
    s.handle(req(8), far);
    assert.match(far.got[0]!, /type='terminate' condition='item-not-found'/);
    assert.match(held.got[0]!, /condition='item-not-found'/);
    assert.ok(events.includes('ended'));
    assert.deepEqual(removed, ['sid1']);
  });

  test('inactivity ends a session with no request held', async () => {
    const { s, ended, removed } = setup({ hold: 0, inactivity: 0.01 });
    s.start(req(1), reply());
    // The session's timers are unref'd (they must not keep a node alive): hold the loop open.
    const keepAlive = setInterval(() => {}, 1000);
    try {
      await ended;
    } finally {
      clearInterval(keepAlive);
    }
    assert.deepEqual(removed, ['sid1']);
  });

  test('a stream error goes out with pending stanzas in a terminate body', () => {
    const { s } = setup();
    const held = reply();
    s.start(req(1), held);
    s.send('<message id="m"/>', false);
    s.close('<stream:error/>');
    assert.match(
      held.got[0]!,
      /condition='remote-stream-error'.*<message id="m"\/><stream:error\/>/,
    );
    const later = reply();
    s.handle(req(2), later);
    assert.match(later.got[0]!, /type='terminate'/);
  });

  test('a pause beyond maxpause is a policy violation; a valid one answers held requests', () => {
    const { s } = setup();
    const first = reply();
    s.start(req(1), first);
    s.send('<stream:features/>', true);
    const p = reply();
    s.handle(req(2, { pause: 60 }), p);
    assert.equal(p.got.length, 1, 'the pause request is answered at once');
    const q = reply();
    s.handle(req(3, { pause: 121 }), q);
    assert.match(q.got[0]!, /condition='policy-violation'/);
  });

  test('too many pending stanzas look like an overflowing queue', () => {
    const { s } = setup({}, 2);
    s.start(req(1), reply());
    for (let i = 0; i < 3; i++) s.send('<message/>', false);
    assert.equal(s.bufferedBytes(), Number.MAX_SAFE_INTEGER);
    s.terminate('system-shutdown');
  });

  test('an oversize body is a policy violation', () => {
    const { s } = setup();
    s.start(req(1), reply());
    const big = reply();
    s.handle(req(2, { bytes: 20_000 }), big);
    assert.match(big.got[0]!, /condition='policy-violation'/);
  });
});

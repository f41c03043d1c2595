import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NS_CLIENT, NS_DELAY, x } from '../../xml/index.ts';
import { History, parseHistoryRequest } from './history.ts';

const msg = (body: string) =>
  x(
    'message',
    NS_CLIENT,
    { from: 'r@c/n', to: 'u@h/r', type: 'groupchat' },
    x('body', NS_CLIENT, {}, body),
  );
const bodies = (h: History, req: Parameters<History['select']>[0], now = 10_000) =>
  h.select(req, now, 'r@c').map((m) => m.getChildText('body', NS_CLIENT));

describe('MUC discussion history (XEP-0045 §7.2.14)', () => {
  test('keeps at most history_size messages, oldest dropped', () => {
    const h = new History(3);
    for (let i = 1; i <= 5; i++) h.add(msg(`m${i}`), i * 1000);
    assert.equal(h.size, 3);
    assert.deepEqual(bodies(h, {}), ['m3', 'm4', 'm5']);
  });

  test('size 0 keeps nothing', () => {
    const h = new History(0);
    h.add(msg('x'), 1);
    assert.deepEqual(bodies(h, {}), []);
  });

  test('maxstanzas, seconds and since each limit the replay', () => {
    const h = new History(10);
    for (let i = 1; i <= 5; i++) h.add(msg(`m${i}`), i * 1000);
    assert.deepEqual(bodies(h, { maxstanzas: 2 }), ['m4', 'm5']);
    assert.deepEqual(bodies(h, { maxstanzas: 0 }), []);
    assert.deepEqual(bodies(h, { seconds: 2 }, 5000), ['m3', 'm4', 'm5']);
    assert.deepEqual(bodies(h, { since: 4000 }), ['m4', 'm5']);
  });

  test('maxchars counts whole serialized messages from the newest', () => {
    const h = new History(10);
    h.add(msg('a'), 1);
    h.add(msg('b'), 2);
    const one = bodies(h, { maxchars: 100 }).length;
    assert.equal(one, 1);
    assert.deepEqual(bodies(h, { maxchars: 0 }), []);
    assert.deepEqual(bodies(h, { maxchars: 100_000 }), ['a', 'b']);
  });

  test('replayed messages carry a delay from the room and no stored recipient', () => {
    const h = new History(5);
    h.add(msg('hello'), Date.UTC(2024, 0, 2, 3, 4, 5));
    const [m] = h.select({}, Date.now(), 'r@c');
    assert.equal(m?.attrs.to, undefined);
    assert.equal(m?.getChild('delay', NS_DELAY)?.attrs.stamp, '2024-01-02T03:04:05.000Z');
    assert.equal(m?.getChild('delay', NS_DELAY)?.attrs.from, 'r@c');
  });

  test('parses the <history/> attributes, ignoring malformed ones', () => {
    const el = x('history', 'http://jabber.org/protocol/muc', {
      maxstanzas: '5',
      maxchars: '-1',
      seconds: 'abc',
      since: '1970-01-01T00:00:10Z',
    });
    assert.deepEqual(parseHistoryRequest(el), {
      maxstanzas: 5,
      maxchars: undefined,
      seconds: undefined,
      since: 10_000,
    });
    assert.deepEqual(parseHistoryRequest(undefined), {});
  });
});

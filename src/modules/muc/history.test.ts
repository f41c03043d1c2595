import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NS_CLIENT, NS_DELAY, serialize, x } from '../../xml/index.ts';
import {
  type HistoryEntry,
  historyMessages,
  historyWindow,
  parseHistoryRequest,
} from './history.ts';

const msg = (body: string) =>
  x('message', NS_CLIENT, { from: 'r@c/n', type: 'groupchat' }, x('body', NS_CLIENT, {}, body));
const entries = (...bodies: string[]): HistoryEntry[] =>
  bodies.map((b, i) => ({ stanza: msg(b), at: (i + 1) * 1000 }));
const bodies = (els: { getChildText(n: string, ns: string): string | undefined }[]) =>
  els.map((m) => m.getChildText('body', NS_CLIENT));

describe('MUC discussion history (XEP-0045 §7.2.14)', () => {
  test('the window is the room’s history size unless the client asks for fewer', () => {
    assert.deepEqual(historyWindow({}, 10_000, 20), { max: 20 });
    assert.deepEqual(historyWindow({ maxstanzas: 5 }, 10_000, 20), { max: 5 });
    assert.deepEqual(historyWindow({ maxstanzas: 500 }, 10_000, 20), { max: 20 });
    assert.equal(historyWindow({ maxstanzas: 0 }, 10_000, 20), undefined);
    assert.equal(historyWindow({}, 10_000, 0), undefined);
    assert.equal(historyWindow({ maxchars: 0 }, 10_000, 20), undefined);
  });

  test('seconds and since both bound the window: the later one wins', () => {
    assert.deepEqual(historyWindow({ seconds: 3 }, 10_000, 20), { max: 20, start: 7000 });
    assert.deepEqual(historyWindow({ since: 8000, seconds: 3 }, 10_000, 20), {
      max: 20,
      start: 8000,
    });
    assert.deepEqual(historyWindow({ since: 2000, seconds: 3 }, 10_000, 20), {
      max: 20,
      start: 7000,
    });
  });

  test('maxchars keeps the newest messages that fit', () => {
    const e = entries('a', 'b', 'c');
    const one = serialize(msg('c')).length;
    assert.deepEqual(bodies(historyMessages(e, { maxchars: one }, 'r@c')), ['c']);
    assert.deepEqual(bodies(historyMessages(e, { maxchars: one * 2 + 1 }, 'r@c')), ['b', 'c']);
    assert.deepEqual(bodies(historyMessages(e, { maxchars: 100_000 }, 'r@c')), ['a', 'b', 'c']);
    assert.deepEqual(bodies(historyMessages(e, {}, 'r@c')), ['a', 'b', 'c']);
  });

  test('replayed messages carry a delay from the room and no recipient', () => {
    const [m] = historyMessages(
      [{ stanza: msg('hello'), at: Date.UTC(2024, 0, 2, 3, 4, 5) }],
      {},
      'r@c',
    );
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

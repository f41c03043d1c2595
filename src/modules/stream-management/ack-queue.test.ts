import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NS_CLIENT, x } from '../../xml/index.ts';
import { AckQueue } from './ack-queue.ts';
import { H_MODULO, parseH } from './sm-elements.ts';

const msg = (id: string) => x('message', NS_CLIENT, { id });

describe('AckQueue (XEP-0198 §4)', () => {
  test('an ack drops exactly the acknowledged stanzas, oldest first', () => {
    const q = new AckQueue();
    for (const id of ['1', '2', '3']) q.push(msg(id));
    assert.equal(q.sent, 3);
    assert.equal(q.ack(2), true);
    assert.deepEqual(
      q.unacked().map((m) => m.attrs.id),
      ['3'],
    );
    assert.equal(q.ack(2), true, 'the same h again changes nothing');
    assert.equal(q.length, 1);
  });

  test('an h above the sent count is refused and changes nothing', () => {
    const q = new AckQueue();
    q.push(msg('1'));
    assert.equal(q.ack(2), false);
    assert.equal(q.length, 1);
    assert.equal(q.acked, 0);
  });

  test('an h going back before an earlier acknowledgement is refused', () => {
    const q = new AckQueue();
    for (const id of ['1', '2', '3']) q.push(msg(id));
    assert.equal(q.ack(2), true);
    assert.equal(q.ack(1), false);
  });

  test('counters wrap at 2^32', () => {
    const q = new AckQueue();
    q.sent = H_MODULO - 1;
    q.acked = H_MODULO - 1;
    q.push(msg('a'));
    q.push(msg('b'));
    assert.equal(q.sent, 1);
    assert.equal(q.ack(0), true);
    assert.deepEqual(
      q.unacked().map((m) => m.attrs.id),
      ['b'],
    );
    assert.equal(q.ack(1), true);
    assert.equal(q.length, 0);
  });

  test('parseH accepts unsigned 32-bit integers only', () => {
    assert.equal(parseH('0'), 0);
    assert.equal(parseH('4294967295'), H_MODULO - 1);
    assert.equal(parseH('4294967296'), undefined);
    assert.equal(parseH('-1'), undefined);
    assert.equal(parseH('1.5'), undefined);
    assert.equal(parseH(''), undefined);
    assert.equal(parseH(undefined), undefined);
  });
});

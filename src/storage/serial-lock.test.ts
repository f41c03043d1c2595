import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BoundedCache } from './bounded-cache.ts';
import { SerialLock } from './serial-lock.ts';

describe('SerialLock', () => {
  test('runs holders one at a time in call order, even when one fails', async () => {
    const lock = new SerialLock();
    const events: string[] = [];
    const hold = (name: string, fail = false) =>
      lock.run(async () => {
        events.push(`${name} start`);
        await sleep(5);
        events.push(`${name} end`);
        if (fail) throw new Error(name);
        return name;
      });
    const results = await Promise.allSettled([hold('a'), hold('b', true), hold('c')]);
    assert.deepEqual(events, ['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.equal(lock.idle, true);
  });

  test('rejects past its queue bound', async () => {
    const lock = new SerialLock(2);
    const first = lock.run(() => sleep(5));
    const second = lock.run(() => sleep(5));
    await assert.rejects(
      lock.run(() => 1),
      /database busy/,
    );
    await Promise.all([first, second]);
    assert.equal(await lock.run(() => 1), 1);
  });
});

describe('BoundedCache', () => {
  test('keeps at most capacity entries, evicting the least recently used', () => {
    const cache = new BoundedCache<string, number>(2);
    let created = 0;
    const get = (k: string) => cache.getOrCreate(k, () => ++created);
    get('a');
    get('b');
    get('a'); // a is now the most recent
    get('c'); // evicts b
    assert.equal(cache.size, 2);
    assert.equal(get('a'), 1);
    assert.equal(get('b'), 4);
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyedQueue } from './keyed-queue.ts';

test('tasks of one key run one at a time in order; other keys are not blocked', async () => {
  const q = new KeyedQueue();
  const log: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const a1 = q.run('a', async () => {
    log.push('a1 start');
    await gate;
    log.push('a1 end');
  });
  const a2 = q.run('a', async () => {
    log.push('a2');
  });
  await q.run('b', async () => {
    log.push('b');
  });
  assert.deepEqual(log, ['a1 start', 'b']);
  release();
  await Promise.all([a1, a2]);
  assert.deepEqual(log, ['a1 start', 'b', 'a1 end', 'a2']);
});

test('a failing task rejects its caller but not the next task, and entries are freed', async () => {
  const q = new KeyedQueue();
  const failed = q.run('k', async () => {
    throw new Error('boom');
  });
  const next = q.run('k', async () => 42);
  await assert.rejects(failed, /boom/);
  assert.equal(await next, 42);
  await new Promise((r) => setImmediate(r));
  assert.equal(q.size, 0);
});

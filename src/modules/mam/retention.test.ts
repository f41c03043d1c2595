import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../../observability/logger.ts';
import type { MamStore } from './mam-store.ts';
import { Retention } from './retention.ts';

test('retention deletes messages older than max_age_days, batch after batch', async () => {
  const cutoffs: number[] = [];
  let backlog = 2500;
  const store = {
    removeOlderThan: async (cutoff: number, limit: number) => {
      cutoffs.push(cutoff);
      const n = Math.min(backlog, limit);
      backlog -= n;
      return n;
    },
  } as unknown as MamStore;
  const now = 1_700_000_000_000;
  const deleted = await new Retention(store, 30, silentLogger()).purge(now);
  assert.equal(deleted, 2500);
  assert.deepEqual(
    cutoffs,
    [1, 2, 3].map(() => now - 30 * 86_400_000),
  );
});

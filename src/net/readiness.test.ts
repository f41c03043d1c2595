import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkReadiness } from './readiness.ts';

const ok = () => Promise.resolve();

describe('checkReadiness', () => {
  test('ready when started, not draining and storage answers', async () => {
    const r = await checkReadiness({
      status: () => 'started',
      draining: () => false,
      pingStorage: ok,
    });
    assert.deepEqual(r, { ready: true, reasons: [] });
  });

  test('reports every failing condition', async () => {
    const r = await checkReadiness({
      status: () => 'starting',
      draining: () => true,
      pingStorage: () => Promise.reject(new Error('connection refused')),
    });
    assert.deepEqual(r, { ready: false, reasons: ['starting', 'draining', 'storage_unreachable'] });
  });

  test('storage that never answers counts as unreachable', async () => {
    const r = await checkReadiness({
      status: () => 'started',
      draining: () => false,
      pingStorage: () => new Promise<void>(() => {}),
      timeoutMs: 20,
    });
    assert.deepEqual(r, { ready: false, reasons: ['storage_unreachable'] });
  });
});

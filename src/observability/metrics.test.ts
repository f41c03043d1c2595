import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createMetrics } from './metrics.ts';

describe('createMetrics', () => {
  test('labels from client input are mapped onto a closed set', async () => {
    const m = createMetrics();
    try {
      m.c2s.stanzaIn('message');
      m.c2s.stanzaIn('x'.repeat(200));
      m.c2s.login(false, 'MADE-UP-MECH');
      m.c2s.login(false, '');
      m.c2s.sessionOpened('carrier-pigeon');
      m.listeners.acceptFailed('c2s', 'not a code');
      const text = await m.render();
      assert.match(text, /meerkat_stanzas_in_total\{kind="message"\} 1/);
      assert.match(text, /meerkat_stanzas_in_total\{kind="other"\} 1/);
      assert.match(text, /meerkat_auth_failures_total\{mechanism="other"\} 1/);
      assert.match(text, /meerkat_auth_failures_total\{mechanism="none"\} 1/);
      assert.match(text, /meerkat_sessions\{transport="other"\} 1/);
      assert.match(text, /meerkat_accept_errors_total\{listener="c2s",code="other"\} 1/);
      assert.doesNotMatch(text, /xxxx|MADE-UP|pigeon|not a code/);
    } finally {
      m.stop();
    }
  });

  test('each node has its own registry', async () => {
    const a = createMetrics();
    const b = createMetrics();
    try {
      a.c2s.login(true, 'PLAIN');
      assert.match(await a.render(), /meerkat_logins_total\{mechanism="PLAIN"\} 1/);
      assert.doesNotMatch(await b.render(), /meerkat_logins_total\{mechanism="PLAIN"\}/);
    } finally {
      a.stop();
      b.stop();
    }
  });

  test('refusals are summed from own counts and listener-held sources', async () => {
    const m = createMetrics();
    try {
      let held = 2;
      m.addRefusedSource('c2s', () => held);
      m.addRefusedSource('c2s', () => 1);
      m.listeners.connectionRejected('http');
      assert.match(await m.render(), /meerkat_connections_refused_total\{listener="c2s"\} 3/);
      held = 5;
      const text = await m.render();
      assert.match(text, /meerkat_connections_refused_total\{listener="c2s"\} 6/);
      assert.match(text, /meerkat_connections_refused_total\{listener="http"\} 1/);
    } finally {
      m.stop();
    }
  });
});

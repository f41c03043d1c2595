import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inbound, outbound, type SubState, type SubscriptionType } from './subscription.ts';

/** RFC 6121 Appendix A state names. */
const STATES: Record<string, SubState> = {
  None: { sub: 'none', out: false, in: false },
  'None+PendingOut': { sub: 'none', out: true, in: false },
  'None+PendingIn': { sub: 'none', out: false, in: true },
  'None+PendingOut+In': { sub: 'none', out: true, in: true },
  To: { sub: 'to', out: false, in: false },
  'To+PendingIn': { sub: 'to', out: false, in: true },
  From: { sub: 'from', out: false, in: false },
  'From+PendingOut': { sub: 'from', out: true, in: false },
  Both: { sub: 'both', out: false, in: false },
};

function name(s: SubState): string {
  const found = Object.entries(STATES).find(
    ([, v]) => v.sub === s.sub && v.out === s.out && v.in === s.in,
  );
  assert.ok(found, `not an RFC 6121 state: ${JSON.stringify(s)}`);
  return found[0];
}

type Table = Record<string, string>;

function check(fn: (s: SubState) => { next: SubState }, table: Table): void {
  for (const [from, to] of Object.entries(table)) {
    assert.equal(name(fn(STATES[from]!).next), to, `${from} → expected ${to}`);
  }
}

describe('outbound subscription stanzas (RFC 6121 A.2)', () => {
  const out = (t: SubscriptionType) => (s: SubState) => outbound(s, t);
  test('A.2.1 subscribe', () => {
    check(out('subscribe'), {
      None: 'None+PendingOut',
      'None+PendingOut': 'None+PendingOut',
      'None+PendingIn': 'None+PendingOut+In',
      'None+PendingOut+In': 'None+PendingOut+In',
      To: 'To',
      'To+PendingIn': 'To+PendingIn',
      From: 'From+PendingOut',
      'From+PendingOut': 'From+PendingOut',
      Both: 'Both',
    });
  });
  test('A.2.2 subscribed', () => {
    check(out('subscribed'), {
      None: 'None',
      'None+PendingOut': 'None+PendingOut',
      'None+PendingIn': 'From',
      'None+PendingOut+In': 'From+PendingOut',
      To: 'To',
      'To+PendingIn': 'Both',
      From: 'From',
      'From+PendingOut': 'From+PendingOut',
      Both: 'Both',
    });
    assert.equal(outbound(STATES.None!, 'subscribed').route, false);
    assert.equal(outbound(STATES['None+PendingIn']!, 'subscribed').route, true);
  });
  test('A.2.3 unsubscribe', () => {
    check(out('unsubscribe'), {
      None: 'None',
      'None+PendingOut': 'None',
      'None+PendingIn': 'None+PendingIn',
      'None+PendingOut+In': 'None+PendingIn',
      To: 'None',
      'To+PendingIn': 'None+PendingIn',
      From: 'From',
      'From+PendingOut': 'From',
      Both: 'From',
    });
  });
  test('A.2.4 unsubscribed', () => {
    check(out('unsubscribed'), {
      None: 'None',
      'None+PendingOut': 'None+PendingOut',
      'None+PendingIn': 'None',
      'None+PendingOut+In': 'None+PendingOut',
      To: 'To',
      'To+PendingIn': 'To',
      From: 'None',
      'From+PendingOut': 'None+PendingOut',
      Both: 'To',
    });
  });
});

describe('inbound subscription stanzas (RFC 6121 A.3)', () => {
  const inb = (t: SubscriptionType) => (s: SubState) => inbound(s, t);
  test('A.3.1 subscribe: pending in, or an auto-reply when already subscribed', () => {
    check(inb('subscribe'), {
      None: 'None+PendingIn',
      'None+PendingOut': 'None+PendingOut+In',
      'None+PendingIn': 'None+PendingIn',
      'None+PendingOut+In': 'None+PendingOut+In',
      To: 'To+PendingIn',
      'To+PendingIn': 'To+PendingIn',
      From: 'From',
      'From+PendingOut': 'From+PendingOut',
      Both: 'Both',
    });
    assert.equal(inbound(STATES.From!, 'subscribe').autoReply, 'subscribed');
    assert.equal(inbound(STATES.Both!, 'subscribe').deliver, false);
    assert.equal(inbound(STATES.None!, 'subscribe').deliver, true);
  });
  test('A.3.2 subscribed: accepted only after a request', () => {
    check(inb('subscribed'), {
      None: 'None',
      'None+PendingOut': 'To',
      'None+PendingIn': 'None+PendingIn',
      'None+PendingOut+In': 'To+PendingIn',
      To: 'To',
      'To+PendingIn': 'To+PendingIn',
      From: 'From',
      'From+PendingOut': 'Both',
      Both: 'Both',
    });
    assert.equal(inbound(STATES.None!, 'subscribed').deliver, false);
    assert.equal(inbound(STATES['None+PendingOut']!, 'subscribed').deliver, true);
  });
  test('A.3.3 unsubscribe', () => {
    check(inb('unsubscribe'), {
      None: 'None',
      'None+PendingOut': 'None+PendingOut',
      'None+PendingIn': 'None',
      'None+PendingOut+In': 'None+PendingOut',
      To: 'To',
      'To+PendingIn': 'To',
      From: 'None',
      'From+PendingOut': 'None+PendingOut',
      Both: 'To',
    });
    assert.equal(inbound(STATES.To!, 'unsubscribe').deliver, false);
    assert.equal(inbound(STATES.Both!, 'unsubscribe').deliver, true);
  });
  test('A.3.4 unsubscribed', () => {
    check(inb('unsubscribed'), {
      None: 'None',
      'None+PendingOut': 'None',
      'None+PendingIn': 'None+PendingIn',
      'None+PendingOut+In': 'None+PendingIn',
      To: 'None',
      'To+PendingIn': 'None+PendingIn',
      From: 'From',
      'From+PendingOut': 'From',
      Both: 'From',
    });
    assert.equal(inbound(STATES.From!, 'unsubscribed').deliver, false);
    assert.equal(inbound(STATES.To!, 'unsubscribed').deliver, true);
  });
});

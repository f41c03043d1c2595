import type { Subscription } from '../roster/roster-api.ts';

/**
 * A subscription state of RFC 6121 Appendix A: the roster's subscription, plus "Pending Out"
 * (the user asked the contact, ask='subscribe') and "Pending In" (the contact asked the user).
 */
export interface SubState {
  readonly sub: Subscription;
  readonly out: boolean;
  readonly in: boolean;
}

export type SubscriptionType = 'subscribe' | 'subscribed' | 'unsubscribe' | 'unsubscribed';

export const SUBSCRIPTION_TYPES: ReadonlySet<string> = new Set<SubscriptionType>([
  'subscribe',
  'subscribed',
  'unsubscribe',
  'unsubscribed',
]);

export interface OutboundResult {
  next: SubState;
  /** Whether the stanza goes on to the contact. */
  route: boolean;
}

export interface InboundResult {
  next: SubState;
  /** Whether the stanza reaches the user's available resources. */
  deliver: boolean;
  /** RFC 6121 §3.1.3: a request from someone already subscribed is answered by the server. */
  autoReply?: 'subscribed';
}

const hasTo = (s: Subscription) => s === 'to' || s === 'both';
const hasFrom = (s: Subscription) => s === 'from' || s === 'both';
const withTo = (s: Subscription): Subscription => (hasFrom(s) ? 'both' : 'to');
const withFrom = (s: Subscription): Subscription => (hasTo(s) ? 'both' : 'from');
const withoutTo = (s: Subscription): Subscription => (hasFrom(s) ? 'from' : 'none');
const withoutFrom = (s: Subscription): Subscription => (hasTo(s) ? 'to' : 'none');

/** RFC 6121 Appendix A.2: a subscription stanza the user sends to a contact. */
export function outbound(s: SubState, type: SubscriptionType): OutboundResult {
  switch (type) {
    case 'subscribe':
      // A.2.1: None/From gain Pending Out; the request is routed in every state (the contact's
      // server answers a duplicate itself, §3.1.3).
      return { next: hasTo(s.sub) ? s : { ...s, out: true }, route: true };
    case 'subscribed':
      // A.2.2: only approving a pending request changes anything; otherwise nothing is routed
      // (no pre-approval support).
      if (!s.in) return { next: s, route: false };
      return { next: { sub: withFrom(s.sub), out: s.out, in: false }, route: true };
    case 'unsubscribe':
      // A.2.3: cancels the user's subscription and any pending request.
      return { next: { sub: withoutTo(s.sub), out: false, in: s.in }, route: true };
    case 'unsubscribed':
      // A.2.4: cancels the contact's subscription or denies its request.
      return { next: { sub: withoutFrom(s.sub), out: s.out, in: false }, route: true };
  }
}

/** RFC 6121 Appendix A.3: a subscription stanza a contact sends to the user. */
export function inbound(s: SubState, type: SubscriptionType): InboundResult {
  switch (type) {
    case 'subscribe':
      // A.3.1 and §3.1.3: already subscribed → auto-reply; else Pending In and deliver.
      if (hasFrom(s.sub)) return { next: s, deliver: false, autoReply: 'subscribed' };
      return { next: { ...s, in: true }, deliver: true };
    case 'subscribed':
      // A.3.2: accepted only when the user asked (Pending Out); otherwise ignored.
      if (!s.out) return { next: s, deliver: false };
      return { next: { sub: withTo(s.sub), out: false, in: s.in }, deliver: true };
    case 'unsubscribe': {
      // A.3.3: the contact stops its subscription to the user (or withdraws its request).
      const next = { sub: withoutFrom(s.sub), out: s.out, in: false };
      return { next, deliver: !same(s, next) };
    }
    case 'unsubscribed': {
      // A.3.4: the contact cancels the user's subscription (or denies the request).
      const next = { sub: withoutTo(s.sub), out: false, in: s.in };
      return { next, deliver: !same(s, next) };
    }
  }
}

export function same(a: SubState, b: SubState): boolean {
  return a.sub === b.sub && a.out === b.out && a.in === b.in;
}

export { hasFrom, hasTo };

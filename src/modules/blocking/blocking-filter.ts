import { errorReply, StanzaError } from '../../errors/index.ts';
import { type HookRegistration, type SessionRef, Stop } from '../../hooks/index.ts';
import { type Jid, tryParseJid } from '../../jid/index.ts';
import { type Element, NS_BLOCKING_ERRORS, x } from '../../xml/index.ts';
import { onHook } from '../module-api.ts';
import type { BlocklistCache } from './blocklist-cache.ts';
import { blockingState } from './session-state.ts';

const STANZAS = new Set(['message', 'presence', 'iq']);

/** Ahead of other modules: a blocked stanza must not be archived, stored or answered. */
const PRIORITY = 5;

/**
 * Where XEP-0191 blocks are enforced:
 * - user-send-packet: a client's stanza to a JID it blocked bounces with not-acceptable +
 *   <blocked/> (§3.3, last rule); to a local user who blocked the sender it is answered as from
 *   an offline user (§3.3 inbound rules). Every client stanza passes here exactly once, so the
 *   error goes back once even when the recipient has several resources.
 * - presence-in: presence the server itself routes (broadcasts, probes) between a user and a
 *   contact blocked either way is dropped silently (§3.3: no presence, no error).
 * - user-receive-packet: anything else reaching a session from a blocked JID is dropped.
 */
export function blockingFilters(
  cache: BlocklistCache,
  hosts: ReadonlySet<string>,
): HookRegistration[] {
  /** Whether `a` (a local account) and `b` block each other in either direction. */
  const eitherBlocks = async (a: Jid, b: Jid): Promise<boolean> => {
    if ((await cache.get(a.local, a.domain)).matches(b)) return true;
    return isLocalUser(b, hosts) && (await cache.get(b.local, b.domain)).matches(a);
  };

  const send = onHook(
    'user-send-packet',
    async (el, { session, from }) => {
      if (!STANZAS.has(el.name)) return el;
      if (el.name === 'presence' && el.attrs.to === undefined) {
        rememberBroadcast(session, el);
        return el;
      }
      const to = el.attrs.to === undefined ? undefined : tryParseJid(el.attrs.to);
      if (!to || exempt(from, to)) return el;
      if ((await cache.get(from.local, from.domain)).matches(to)) {
        const blocked = x('blocked', NS_BLOCKING_ERRORS);
        bounce(session, el, new StanzaError('not-acceptable', { appCondition: blocked }));
        return new Stop(el);
      }
      if (isLocalUser(to, hosts) && (await cache.get(to.local, to.domain)).matches(from)) {
        // §3.3: presence silently; messages and IQ get/set as if nobody were there.
        const type = el.attrs.type;
        if (el.name === 'message' || (el.name === 'iq' && (type === 'get' || type === 'set'))) {
          bounce(session, el, new StanzaError('service-unavailable'));
        }
        return new Stop(el);
      }
      return el;
    },
    PRIORITY,
  );

  const presenceIn = onHook(
    'presence-in',
    async (el, { to, from }) => {
      if (exempt(to, from) || !isLocalUser(to, hosts)) return el;
      return (await eitherBlocks(to, from)) ? new Stop(el) : el;
    },
    PRIORITY,
  );

  const receive = onHook(
    'user-receive-packet',
    async (el, { to }) => {
      const from = el.attrs.from === undefined ? undefined : tryParseJid(el.attrs.from);
      if (!from || exempt(to, from)) return el;
      return (await eitherBlocks(to, from)) ? new Stop(el) : el;
    },
    PRIORITY,
  );

  return [send, presenceIn, receive];
}

function isLocalUser(jid: Jid, hosts: ReadonlySet<string>): boolean {
  return jid.local !== '' && hosts.has(jid.domain);
}

/** A user's own resources and own server are never blocked (the server must reach its users). */
function exempt(user: Jid, other: Jid): boolean {
  if (other.bareString() === user.bareString()) return true;
  return other.local === '' && other.resource === '' && other.domain === user.domain;
}

function rememberBroadcast(session: SessionRef, el: Element): void {
  const type = el.attrs.type;
  if (type === undefined) blockingState(session).presence = el.clone();
  else if (type === 'unavailable') blockingState(session).presence = undefined;
}

/** Straight back to the sending session: the error must not pass the filters it comes from. */
function bounce(session: SessionRef, el: Element, err: StanzaError): void {
  const type = el.attrs.type;
  if (type === 'error' || type === 'result') return;
  session.send(errorReply(el, err));
}

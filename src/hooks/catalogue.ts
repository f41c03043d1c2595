import type { StreamControl } from '../c2s/stream-control.ts';
import type { Jid } from '../jid/index.ts';
import type { Element } from '../xml/index.ts';

/** What a module may ask of a session from inside a hook, without touching its socket. */
export interface SessionRef {
  readonly id: string;
  readonly jid: Jid | undefined;
  readonly ip: string;
  readonly transport: string;
  /** The connection is encrypted (TLS); undefined when the session cannot tell. */
  readonly secure?: boolean;
  /** Priority of the last available presence, undefined before initial presence. */
  readonly priority: number | undefined;
  readonly available: boolean;
  /** Typed per-session storage owned by modules (keyed by module id). */
  readonly data: Map<string, unknown>;
  send(stanza: Element): void;
}

/**
 * The only place hook names exist (STYLE.md): an unknown name is a compile error.
 * `acc` is what handlers may change and pass on; `params` is read-only context.
 */
export interface HookCatalogue {
  /** Extra stream features offered after authentication (bind/session come from c2s). */
  'c2s-stream-features': { acc: Element[]; params: { session: SessionRef; domain: string } };
  /** Extra stream features offered before authentication (XEP-0077 iq-register). */
  'c2s-preauth-features': {
    acc: Element[];
    params: { session: SessionRef; domain: string; secure: boolean };
  };
  /**
   * An IQ on a stream not yet authenticated (XEP-0077 §3.1 in-band registration). A handler
   * that answers stops with the reply; when nobody stops, the stream ends with not-authorized.
   */
  'c2s-preauth-iq': {
    acc: Element | undefined;
    params: { session: SessionRef; domain: string; iq: Element; secure: boolean };
  };
  /**
   * A top-level element outside jabber:client on an authenticated stream (XEP-0198 enable,
   * resume, r, a). Stop = handled; when nobody stops, the stream ends as before.
   */
  'c2s-nonza': { acc: undefined; params: { stream: StreamControl; el: Element } };
  /** Every stanza a client sends, after `from` stamping. A handler that stops it consumes it. */
  'user-send-packet': { acc: Element; params: { session: SessionRef; from: Jid } };
  /** A stanza about to be written to a local session. Stopping drops it. */
  'user-receive-packet': { acc: Element; params: { session: SessionRef; to: Jid } };
  /** A presence arriving for a local user (subscription, probe, directed). Stop = handled. */
  'presence-in': { acc: Element; params: { to: Jid; from: Jid } };
  /**
   * A message for an existing local user, run once per message before delivery (XEP-0313
   * archiving, XEP-0280 received copies): `delivered` are the resources the router is about to
   * deliver it to, empty when it goes on to 'offline-message'. Handlers may change it
   * (XEP-0359 stanza-id); stop = consumed.
   */
  'message-to-user': { acc: Element; params: { to: Jid; from: Jid; delivered: readonly Jid[] } };
  /** A message for a user with no available resource. Stop = stored. */
  'offline-message': { acc: Element; params: { to: Jid; from: Jid } };
  /** A session bound a resource. */
  'session-opened': { acc: undefined; params: { session: SessionRef } };
  /** A session ended, whatever the reason (after unavailable presence handling). */
  'session-closed': { acc: undefined; params: { session: SessionRef; reason: string } };
  /** A session sent its first available presence (RFC 6121 §4.2). */
  'user-available': { acc: undefined; params: { session: SessionRef } };
  /**
   * A resource of a dead cluster node was purged from the registry: its contacts must see it
   * go unavailable (RFC 6121 §4.5.2), as when a local session closes.
   */
  'session-purged': { acc: undefined; params: { jid: Jid } };
  /**
   * A live local session that other cluster nodes had purged (netsplit) is registered again:
   * its contacts must see it available again (RFC 6121 §4.4.2).
   */
  'session-restored': { acc: undefined; params: { session: SessionRef } };
  /** A user account is being removed: every module deletes what the user owns. */
  'remove-user': { acc: undefined; params: { user: string; domain: string } };
  /** Features for disco#info of the server (XEP-0030). */
  'disco-local-features': { acc: Set<string>; params: { domain: string } };
  /** Features for disco#info of an account's bare JID. */
  'disco-sm-features': { acc: Set<string>; params: { user: Jid; from: Jid } };
  /** Identities for disco#info of an account's bare JID (XEP-0163 §6: pubsub/pep). */
  'disco-sm-identities': {
    acc: { category: string; type: string; name?: string }[];
    params: { user: Jid; from: Jid };
  };
  /** Extended info / identities for the server. */
  'disco-local-identities': {
    acc: { category: string; type: string; name?: string }[];
    params: { domain: string };
  };
  /** Items for disco#items of the server. */
  'disco-local-items': {
    acc: { jid: string; name?: string; node?: string }[];
    params: { domain: string };
  };
  /** Items for disco#items of an account's bare JID (PEP nodes...). */
  'disco-sm-items': {
    acc: { jid: string; name?: string; node?: string }[];
    params: { user: Jid; from: Jid };
  };
  /** Whether `from` may see `user`'s presence / last activity (roster subscription). */
  'roster-get-subscription': {
    acc: 'none' | 'to' | 'from' | 'both';
    params: { user: Jid; contact: Jid };
  };
}

export type HookName = keyof HookCatalogue;
export type HookAcc<K extends HookName> = HookCatalogue[K]['acc'];
export type HookParams<K extends HookName> = HookCatalogue[K]['params'];

import type { StreamError } from '../errors/index.ts';
import type { LocalSession } from '../sm/index.ts';
import type { Element } from '../xml/index.ts';

/**
 * Watches one session's stanza traffic (XEP-0198 counting and resumption). Installed by a module
 * through {@link StreamControl.setObserver}; a session without one pays a single `undefined` check
 * per stanza.
 */
export interface StanzaObserver {
  /** The client sent a stanza (XEP-0198 §4: inbound 'h'). */
  received(): void;
  /** A stanza was written to the client, or is meant for it while the session is detached. */
  sent(stanza: Element): void;
  /**
   * A top-level element outside jabber:client (a nonza: `<r/>`, `<a/>`...). Returns true when
   * handled; may throw a StreamError.
   */
  nonza(el: Element): boolean;
  /**
   * The connection dropped without a closing tag. Returning true keeps the session bound and
   * detached (XEP-0198 §5): stanzas for it are only observed until a resumption or its close.
   */
  connectionLost(): boolean;
  /** The session ended for good, after it was unbound and 'session-closed' ran. */
  ended(): Promise<void>;
}

/** What a stream-management module may do with a c2s stream, without touching its socket. */
export interface StreamControl {
  /** The session; its jid is undefined before resource binding. */
  readonly session: LocalSession;
  /** Bare JID authenticated by SASL, undefined before. */
  readonly authJid: string | undefined;
  readonly isBound: boolean;
  /** The session lost its connection and waits for a resumption. */
  readonly detached: boolean;
  /** The session is closing or closed: it can no longer be resumed. */
  readonly closed: boolean;
  /** Writes a top-level element that is not a stanza (not counted, not observed). */
  sendNonza(el: Element): void;
  /** Writes a stanza again (XEP-0198 §5 retransmission): not observed a second time. */
  resend(stanza: Element): void;
  setObserver(observer: StanzaObserver | undefined): void;
  /**
   * Continues this bound session on `from`'s connection (an authenticated stream not yet bound),
   * closing this session's own connection if it still has one; `from` ends silently.
   * `greet` writes first on the adopted connection (XEP-0198 §5 `<resumed/>`), before any input
   * already read from it is processed by this session.
   */
  takeOver(from: StreamControl, greet: () => void): void;
  close(error?: StreamError): Promise<void>;
}

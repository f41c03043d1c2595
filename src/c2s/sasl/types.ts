import type { AccountSecrets } from '../../auth/scram-credentials.ts';

/** RFC 6120 §6.5 SASL failure conditions. */
export type SaslFailureCondition =
  | 'aborted'
  | 'account-disabled'
  | 'credentials-expired'
  | 'encryption-required'
  | 'incorrect-encoding'
  | 'invalid-authzid'
  | 'invalid-mechanism'
  | 'malformed-request'
  | 'mechanism-too-weak'
  | 'not-authorized'
  | 'temporary-auth-failure';

/** One server move in a SASL exchange (RFC 6120 §6.4). */
export type SaslStep =
  | { kind: 'challenge'; data: Buffer }
  /** username is the enforced localpart that authenticated. */
  | { kind: 'success'; data?: Buffer; username: string }
  | {
      kind: 'failure';
      condition: SaslFailureCondition;
      text?: string;
      /**
       * Set when a -PLUS attempt named a channel-binding type this connection lacks but the
       * client's proof was right: the enforced localpart. No password was guessed (the caller
       * should not count it as a failed login) and the client provably saw our -PLUS offer, so
       * its 'y' retry on this stream is not a downgrade (see SaslDeps.plusRefusedFor).
       */
      cbTypeRefusedFor?: string;
    };

/**
 * One exchange of one mechanism. Never throws: every bad input becomes a failure step.
 * Calls must not overlap (the c2s session queue serializes them); after a success or failure,
 * any further call answers malformed-request.
 */
export interface SaslServer {
  readonly mechanism: string;
  /** initial is the initial response (RFC 6120 §6.4.2), null when the client sent none. */
  start(initial: Buffer | null): Promise<SaslStep>;
  step(response: Buffer): Promise<SaslStep>;
}

export type ChannelBindingType = 'tls-exporter' | 'tls-server-end-point' | 'tls-unique';

/** One channel-binding type of a connection and the data it binds to (RFC 5929, RFC 9266). */
export interface ChannelBinding {
  type: ChannelBindingType;
  data: Buffer;
}

export interface SaslDeps {
  /** The XMPP domain being authenticated against (authzid must be username@domain). */
  domain: string;
  /** Stored secrets of an enforced localpart, or null when no such account exists. */
  getSecrets(username: string): Promise<AccountSecrets | null>;
  /** Server-local random key: derives stable fake salts/keys for unknown users. */
  fakeSecretsKey: Buffer;
  /**
   * The channel-binding types this connection supports, with their data (RFC 5929 / RFC 9266);
   * empty or undefined without TLS. -PLUS mechanisms exist only when it is non-empty.
   */
  channelBindings?: readonly ChannelBinding[] | undefined;
  /**
   * The localpart whose earlier -PLUS attempt on this stream failed with cbTypeRefusedFor: a
   * 'y' gs2 flag from it is accepted (it saw -PLUS; nothing was stripped). Any other 'y' on a
   * connection with channel binding is a downgrade (RFC 5802 §6).
   */
  plusRefusedFor?: string | undefined;
  /** Iteration count shown for unknown users: the count new accounts get. */
  iterationsForUnknown: number;
  /** Tests only: server nonce generator (default: 18 random bytes, base64). */
  serverNonce?: (() => string) | undefined;
}

import type { AccountSecrets } from '../auth/scram-credentials.ts';
import type { HookBus } from '../hooks/index.ts';
import type { IqDispatcher } from '../iq/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Router } from '../router/index.ts';
import type { SessionManager } from '../sm/index.ts';

export type TlsMode = 'starttls' | 'starttls_required' | 'tls';

export interface C2sLimits {
  maxStanzaBytes: number;
  maxStanzaBytesPreauth: number;
  /** Pre-auth deadline: a stream not bound by then gets <connection-timeout/>. */
  connectionTimeoutMs: number;
  /** Outbound bytes a slow reader may leave unread before it is disconnected. */
  maxOutboundBytes: number;
  /** SASL failures allowed on one connection (RFC 6120 §6.4.5 suggests 2..5). */
  maxAuthFailures: number;
}

/** What every c2s session of a node shares; built once in node.ts. */
export interface C2sDeps {
  hosts: ReadonlySet<string>;
  router: Router;
  sm: SessionManager;
  hooks: HookBus;
  iq: IqDispatcher;
  getSecrets(user: string, domain: string): Promise<AccountSecrets | null>;
  saslFakeKey: Buffer;
  scramIterations: number;
  limits: C2sLimits;
  log: Logger;
  counters: C2sCounters;
}

/** Hooks for metrics without c2s knowing about Prometheus. */
export interface C2sCounters {
  login(ok: boolean, mechanism: string): void;
  stanzaIn(kind: string): void;
  stanzaOut(kind: string): void;
  sessionOpened(transport: string): void;
  sessionClosed(transport: string): void;
}

export const NO_COUNTERS: C2sCounters = {
  login() {},
  stanzaIn() {},
  stanzaOut() {},
  sessionOpened() {},
  sessionClosed() {},
};

export interface ListenerPolicy {
  tlsMode: TlsMode;
  allowPlainWithoutTls: boolean;
}

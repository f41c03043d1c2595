/** Mechanism catalogue: what we advertise (RFC 6120 §6.4.1) and how each exchange starts. */
import { createPlainServer } from './plain-server.ts';
import { createScramServer } from './scram-server.ts';
import type { SaslDeps, SaslServer } from './types.ts';

export interface MechanismListOptions {
  tls: boolean;
  allowPlainWithoutTls: boolean;
  /** True when this connection has channel-binding types (deps.channelBindings non-empty). */
  channelBinding: boolean;
}

/** Mechanisms to advertise, strongest first. */
export function listMechanisms(opts: MechanismListOptions): string[] {
  const out: string[] = [];
  if (opts.channelBinding) out.push('SCRAM-SHA-256-PLUS', 'SCRAM-SHA-1-PLUS');
  out.push('SCRAM-SHA-256', 'SCRAM-SHA-1');
  // RFC 4616 §5: PLAIN sends the password itself, so only inside TLS unless configured.
  if (opts.tls || opts.allowPlainWithoutTls) out.push('PLAIN');
  return out;
}

/**
 * A fresh exchange for a mechanism name, or undefined when the name is unknown or (for -PLUS)
 * the connection has no channel binding. The caller must still check the name was advertised
 * (e.g. PLAIN without TLS) and answer invalid-mechanism otherwise.
 */
export function createSaslServer(mechanism: string, deps: SaslDeps): SaslServer | undefined {
  switch (mechanism) {
    case 'SCRAM-SHA-256':
      return createScramServer('sha256', false, deps);
    case 'SCRAM-SHA-1':
      return createScramServer('sha1', false, deps);
    case 'SCRAM-SHA-256-PLUS':
      return canBind(deps) ? createScramServer('sha256', true, deps) : undefined;
    case 'SCRAM-SHA-1-PLUS':
      return canBind(deps) ? createScramServer('sha1', true, deps) : undefined;
    case 'PLAIN':
      return createPlainServer(deps);
    default:
      return undefined;
  }
}

function canBind(deps: SaslDeps): boolean {
  return (deps.channelBindings?.length ?? 0) > 0;
}

/** Account lookup shared by the mechanisms, with the unknown-user disguise. */
import type { ScramCredentials, ScramHash } from '../../auth/scram-credentials.ts';
import { normalizeLocalpart, tryParseJid } from '../../jid/index.ts';
import { fakeScramCredentials } from './fake-secrets.ts';
import type { SaslDeps, SaslFailureCondition, SaslStep } from './types.ts';

export interface LookedUp {
  /** Enforced localpart, undefined when the name cannot be a localpart at all. */
  username: string | undefined;
  creds: ScramCredentials;
  /** False for unknown users: creds are fake and verification must fail. */
  known: boolean;
}

/**
 * Credentials for a username, real or fake. Unknown and impossible usernames get fake
 * credentials so the exchange runs the same computation and fails at the same step.
 */
export async function lookupCredentials(
  deps: SaslDeps,
  rawUsername: string,
  hash: ScramHash,
): Promise<LookedUp | SaslStep> {
  const username = normalizeLocalpart(rawUsername);
  let secrets: Awaited<ReturnType<SaslDeps['getSecrets']>> = null;
  if (username !== undefined) {
    try {
      secrets = await deps.getSecrets(username);
    } catch {
      // RFC 6120 §6.5.12: a backend failure is temporary, not a verdict on the credentials.
      return failure('temporary-auth-failure');
    }
  }
  if (secrets) return { username, creds: secrets[hash], known: true };
  const fake = fakeScramCredentials(
    deps.fakeSecretsKey,
    username ?? rawUsername,
    hash,
    deps.iterationsForUnknown,
  );
  return { username, creds: fake, known: false };
}

/** RFC 6120 §6.3.8: we only let a user act as itself, i.e. authzid = username@domain. */
export function authzidAllowed(
  authzid: string,
  username: string | undefined,
  domain: string,
): boolean {
  const jid = tryParseJid(authzid);
  const ownDomain = tryParseJid(domain)?.domain ?? domain;
  return (
    jid !== undefined &&
    username !== undefined &&
    jid.isBare() &&
    jid.local === username &&
    jid.domain === ownDomain
  );
}

export function failure(condition: SaslFailureCondition, text?: string): SaslStep {
  return text === undefined ? { kind: 'failure', condition } : { kind: 'failure', condition, text };
}

/** Test-only helpers for the SASL unit tests (not exported from index.ts). */
import { deriveScramCredentials } from '../../auth/scram.ts';
import type { AccountSecrets } from '../../auth/scram-credentials.ts';
import type { SaslDeps, SaslServer, SaslStep } from './types.ts';

// RFC 5802 §5 and RFC 7677 §3 example salts.
export const RFC_SALT_SHA1 = Buffer.from('QSXCR+Q6sek8bf92', 'base64');
export const RFC_SALT_SHA256 = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');

/** Secrets for "pencil" with the RFC example salts and 4096 iterations. */
export async function pencilSecrets(): Promise<AccountSecrets> {
  return {
    sha1: await deriveScramCredentials('pencil', 'sha1', 4096, RFC_SALT_SHA1),
    sha256: await deriveScramCredentials('pencil', 'sha256', 4096, RFC_SALT_SHA256),
  };
}

export function testDeps(
  accounts: Record<string, AccountSecrets>,
  extra: Partial<SaslDeps> = {},
): SaslDeps & { lookups: string[] } {
  const lookups: string[] = [];
  return {
    domain: 'example.com',
    fakeSecretsKey: Buffer.alloc(32, 7),
    iterationsForUnknown: 4096,
    lookups,
    async getSecrets(username) {
      lookups.push(username);
      return Object.hasOwn(accounts, username) ? accounts[username] : null;
    },
    ...extra,
  };
}

export function text(step: SaslStep): string {
  assert(step.kind === 'challenge', `expected a challenge, got ${JSON.stringify(step)}`);
  return step.data.toString('utf8');
}

export function assertFailure(step: SaslStep, condition: string): void {
  assert(
    step.kind === 'failure' && step.condition === condition,
    `expected failure ${condition}, got ${JSON.stringify(step)}`,
  );
}

function assert(ok: boolean, message: string): asserts ok {
  if (!ok) throw new Error(message);
}

/** Runs a whole exchange with our client; returns the server's last step. */
export async function exchange(
  server: SaslServer,
  client: { first(): string; final(sf: string): Promise<string> },
): Promise<SaslStep> {
  const challenge = await server.start(Buffer.from(client.first(), 'utf8'));
  if (challenge.kind !== 'challenge') return challenge;
  return server.step(Buffer.from(await client.final(text(challenge)), 'utf8'));
}

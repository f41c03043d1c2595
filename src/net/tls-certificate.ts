import { execFile } from 'node:child_process';
import { access, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CertificatePaths {
  certfile: string;
  keyfile: string;
}

export interface SelfSignedCertificate extends CertificatePaths {
  /** True when this call created it (first start), false when an earlier one did. */
  generated: boolean;
}

/**
 * The embedded default needs TLS without any set-up: a self-signed certificate for the served
 * hosts is generated once into the data dir (with the openssl CLI; Node cannot create X.509).
 * Real deployments configure certfile/keyfile instead.
 */
export async function ensureSelfSignedCertificate(
  dataDir: string,
  hosts: string[],
): Promise<SelfSignedCertificate> {
  const dir = join(dataDir, 'tls');
  const certfile = join(dir, 'self-signed.crt');
  const keyfile = join(dir, 'self-signed.key');
  try {
    await access(certfile);
    await access(keyfile);
    return { certfile, keyfile, generated: false };
  } catch {
    // generate below
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const san = hosts.map((h) => `DNS:${h}`).join(',');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyfile,
    '-out',
    certfile,
    '-days',
    '3650',
    '-subj',
    `/CN=${hosts[0] ?? 'localhost'}`,
    '-addext',
    `subjectAltName=${san}`,
  ]);
  return { certfile, keyfile, generated: true };
}

/** TLS 1.2 minimum (issue 2; RFC 7525 / RFC 9325 recommendations). */
export async function loadSecureContext(paths: CertificatePaths): Promise<SecureContext> {
  const [cert, key] = await Promise.all([readFile(paths.certfile), readFile(paths.keyfile)]);
  return createSecureContext({ cert, key, minVersion: 'TLSv1.2' });
}

/**
 * The start-up warning for a listener on the generated certificate: clients that check
 * certificates (all of them by default) refuse it, so the operator is told how to set a real one.
 */
export function selfSignedWarning(c: SelfSignedCertificate): Record<string, unknown> {
  return {
    what: 'tls_self_signed_certificate',
    generated: c.generated,
    certfile: c.certfile,
    hint:
      'a c2s listener has no tls.certfile/tls.keyfile and uses a self-signed certificate that ' +
      'clients will not trust; set certfile and keyfile in [listen.c2s.tls] (e.g. from ' +
      "Let's Encrypt: fullchain.pem and privkey.pem for each served host), see docs/security.md",
  };
}

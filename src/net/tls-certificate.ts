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

/**
 * The embedded default needs TLS without any set-up: a self-signed certificate for the served
 * hosts is generated once into the data dir (with the openssl CLI; Node cannot create X.509).
 * Real deployments configure certfile/keyfile instead.
 */
export async function ensureSelfSignedCertificate(
  dataDir: string,
  hosts: string[],
): Promise<CertificatePaths> {
  const dir = join(dataDir, 'tls');
  const certfile = join(dir, 'self-signed.crt');
  const keyfile = join(dir, 'self-signed.key');
  try {
    await access(certfile);
    await access(keyfile);
    return { certfile, keyfile };
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
  return { certfile, keyfile };
}

/** TLS 1.2 minimum (issue 2; RFC 7525 / RFC 9325 recommendations). */
export async function loadSecureContext(paths: CertificatePaths): Promise<SecureContext> {
  const [cert, key] = await Promise.all([readFile(paths.certfile), readFile(paths.keyfile)]);
  return createSecureContext({ cert, key, minVersion: 'TLSv1.2' });
}

import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSelfSignedCertificate } from '../../../src/net/tls-certificate.ts';
import { NS_CLIENT, x } from '../../../src/xml/index.ts';
import { startTestServer, type TestServer } from '../../support/test-server.ts';
import type { TestClient } from '../../support/xmpp-client.ts';
import { documentedConfig, substitute } from './docs-config.ts';

/** The PostgreSQL test database is shared with other runs: user names unique to this one. */
export const TAG = `${process.pid.toString(36)}${Date.now().toString(36)}`;
export const PW = 'lb-secret-pw';

/**
 * A test node with the documented node-side listeners (docs/load-balancing.md block `name`)
 * appended to the test server's own, the proxy address replaced by `proxyIp`. Nodes of one
 * test share the PostgreSQL test database, so an account registered on one exists on all.
 */
export async function startLbNode(
  name: 'node-haproxy' | 'node-nginx',
  documentedProxy: string,
  proxyIp: string,
  extraToml = '',
): Promise<TestServer> {
  const certDir = await mkdtemp(join(tmpdir(), 'meerkat-lb-cert-'));
  const cert = await ensureSelfSignedCertificate(certDir, ['localhost']);
  const doc = await documentedConfig(name);
  const replacements: [string, string][] = [[`["${documentedProxy}"]`, `["${proxyIp}"]`]];
  // The test server's own listeners use the default ports (then port 0): no clash.
  for (const port of ['5222', '5223', '5280']) {
    if (doc.includes(`port = ${port}\n`))
      replacements.push([`port = ${port}\n`, `port = 1${port}\n`]);
  }
  if (doc.includes('/etc/meerkat/cert.pem')) {
    replacements.push(['/etc/meerkat/cert.pem', cert.certfile]);
    replacements.push(['/etc/meerkat/key.pem', cert.keyfile]);
  }
  const toml = `${substitute(doc, replacements)}\n${extraToml}`;
  return startTestServer({ storage: 'postgres', toml });
}

/** Ports of the documented listeners, after the test server's own three c2s and two http. */
export function documentedPorts(s: TestServer): { c2s: number; tls: number; http: number } {
  const c2s = s.node.c2sPorts();
  const http = s.node.httpPorts();
  return { c2s: c2s[3]!, tls: c2s[4] ?? 0, http: http[2]! };
}

/** The session of `jid` (full or bare) and the node holding it. */
export function findSession(servers: readonly TestServer[], jid: string) {
  for (const server of servers) {
    const s = server.node.admin.sessions
      .list()
      .find((x) => x.jid === jid || x.jid.startsWith(`${jid}/`));
    if (s) return { server, session: s };
  }
  return undefined;
}

export function chat(to: string, body: string) {
  return x('message', NS_CLIENT, { to, type: 'chat' }, x('body', NS_CLIENT, {}, body));
}

/** Takes every chat body `c` has received or receives within `timeoutMs` of the last one. */
export async function collectBodies(
  c: TestClient,
  into: Set<string>,
  until: () => boolean,
  timeoutMs = 15_000,
): Promise<void> {
  while (!until()) {
    const m = await c.expect((el) => el.name === 'message' && !!el.getChild('body'), timeoutMs);
    into.add(m.getChildText('body') ?? '');
  }
}

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Config, parseConfig } from '../../src/config/index.ts';
import { ALL_MODULES, DEFAULT_MODULES } from '../../src/modules/registry.ts';
import { ensureSelfSignedCertificate } from '../../src/net/tls-certificate.ts';
import { createNode, type MeerkatNode } from '../../src/node.ts';
import { type Logger, silentLogger } from '../../src/observability/logger.ts';

export interface TestServer {
  node: MeerkatNode;
  config: Config;
  domain: string;
  /** c2s with STARTTLS offered, SCRAM allowed before it (tls.mode = "starttls"), PLAIN only after. */
  port: number;
  /** Direct TLS (XEP-0368). */
  tlsPort: number;
  /** Plain TCP, PLAIN allowed without TLS (load-test style listener). */
  plainPort: number;
  /** HTTP listener: WebSocket at /ws-xmpp, /health, /ready. */
  httpPort: number;
  /** HTTPS listener (the self-signed certificate): wss:// at /ws-xmpp. */
  httpsPort: number;
  /** The [metrics] port when started with `metrics: true`. */
  metricsPort: number | undefined;
  dataDir: string;
  register(user: string, password: string): Promise<void>;
  stop(): Promise<void>;
}

export interface TestServerOptions {
  /** Extra TOML appended to the generated config (e.g. a [modules] table). */
  toml?: string;
  hosts?: string[];
  /** Database: sqlite in the temp dir (default) or the test PostgreSQL. */
  storage?: 'sqlite' | 'postgres';
  /** Serve /metrics on a free loopback port (off by default). */
  metrics?: boolean;
  /** The node's logger (default: silent), e.g. to watch what it logs. */
  logger?: Logger;
}

/**
 * An in-process node on free ports with its own temp data dir, for end-to-end tests.
 * Uses the real composition root (createNode) and real sockets.
 */
export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'meerkat-test-'));
  const hosts = opts.hosts ?? ['localhost'];
  const cert = await ensureSelfSignedCertificate(dataDir, hosts);
  const toml = `
[general]
hosts = ${JSON.stringify(hosts)}
data_dir = ${JSON.stringify(dataDir)}
loglevel = "error"

[[listen.c2s]]
port = 5222
# Opted in: most tests authenticate without TLS here (the default is starttls_required).
tls.mode = "starttls"

[[listen.c2s]]
port = 5223
tls.mode = "tls"
tls.certfile = ${JSON.stringify(cert.certfile)}
tls.keyfile = ${JSON.stringify(cert.keyfile)}

[[listen.c2s]]
port = 5224
tls.mode = "starttls"
allow_plain_without_tls = true

[[listen.http]]
port = 5280
ip = "127.0.0.1"

[[listen.http]]
port = 5281
ip = "127.0.0.1"
tls.certfile = ${JSON.stringify(cert.certfile)}
tls.keyfile = ${JSON.stringify(cert.keyfile)}
${opts.toml ?? ''}
`;
  const moduleSchemas = Object.fromEntries(ALL_MODULES.map((m) => [m.id, m.options]));
  const config = parseConfig(toml, { moduleSchemas, defaultModules: DEFAULT_MODULES, env: {} });
  // Port 0: the kernel picks free ports, so test files can run in parallel.
  for (const l of config.listen.c2s) l.port = 0;
  for (const l of config.listen.http) l.port = 0;
  config.metrics.enabled = opts.metrics ?? false;
  config.metrics.ip = '127.0.0.1';
  config.metrics.port = 0;
  if (opts.storage === 'postgres') {
    config.storage.backend = 'postgres';
    config.storage.postgres.url =
      process.env.MEERKAT_TEST_PG_URL ?? 'postgres://meerkat:meerkat@127.0.0.1:55432/meerkat';
  }
  const node = await createNode(config, opts.logger ?? silentLogger());
  await node.start();
  const [port, tlsPort, plainPort] = node.c2sPorts() as [number, number, number];
  return {
    node,
    config,
    domain: hosts[0]!,
    port,
    tlsPort,
    plainPort,
    httpPort: node.httpPorts()[0]!,
    httpsPort: node.httpPorts()[1]!,
    metricsPort: node.metricsPort(),
    dataDir,
    async register(user, password) {
      const r = await node.admin.accounts.register(user, hosts[0]!, password);
      if (r !== 'created') throw new Error(`user ${user} exists`);
    },
    async stop() {
      await node.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

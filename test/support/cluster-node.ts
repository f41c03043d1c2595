import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdminRegistry } from '../../src/admin/index.ts';
import { type ControlServer, startControlServer } from '../../src/cluster/control/index.ts';
import { type Config, parseConfig } from '../../src/config/index.ts';
import { ALL_MODULES, DEFAULT_MODULES } from '../../src/modules/registry.ts';
import { createNode, type MeerkatNode } from '../../src/node.ts';
import { silentLogger } from '../../src/observability/logger.ts';

export interface InProcessClusterNode {
  name: string;
  node: MeerkatNode;
  config: Config;
  port: number;
  /** The [[listen.http]] listener (WebSocket, BOSH at /http-bind, health). */
  httpPort: number;
  control: ControlServer;
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * One cluster node inside the test process: real createNode, real control port, PostgreSQL
 * and NATS. (Process-level cluster tests drive meerkatctl; this one is for routing logic.)
 */
export async function startClusterNode(o: {
  name: string;
  natsUrl: string;
  pgUrl: string;
  portMin: number;
  portMax: number;
  cookie: string;
  dataDir?: string;
  extraToml?: string;
}): Promise<InProcessClusterNode> {
  const dataDir = o.dataDir ?? (await mkdtemp(join(tmpdir(), 'meerkat-cluster-')));
  const toml = `
[general]
hosts = ["localhost"]
data_dir = ${JSON.stringify(dataDir)}

[node]
name = "${o.name}"
dist_port_min = ${o.portMin}
dist_port_max = ${o.portMax}

[[listen.c2s]]
port = 5222
tls.mode = "starttls"
allow_plain_without_tls = true

[[listen.http]]
ip = "127.0.0.1"

[storage]
backend = "postgres"
postgres.url = ${JSON.stringify(o.pgUrl)}

[cluster]
nats.servers = [${JSON.stringify(o.natsUrl)}]
heartbeat_interval_ms = 300
node_timeout_ms = 2000
${o.extraToml ?? ''}
`;
  const moduleSchemas = Object.fromEntries(ALL_MODULES.map((m) => [m.id, m.options]));
  const config = parseConfig(toml, { moduleSchemas, defaultModules: DEFAULT_MODULES, env: {} });
  for (const l of config.listen.c2s) l.port = 0;
  for (const l of config.listen.http) l.port = 0;
  config.metrics.enabled = false;
  const log = silentLogger();
  const node = await createNode(config, log, { cookie: o.cookie });
  await node.start();
  const control = await startControlServer({
    nodeName: o.name,
    cookie: o.cookie,
    portMin: o.portMin,
    portMax: o.portMax,
    host: 'localhost',
    registry: createAdminRegistry(),
    services: node.admin,
    log,
  });
  return {
    name: o.name,
    node,
    config,
    port: node.c2sPorts()[0]!,
    httpPort: node.httpPorts()[0]!,
    control,
    dataDir,
    async stop() {
      await control.close();
      await node.stop();
    },
  };
}

export { rm };

/**
 * The Meerkat node under test, run as a child process of the bench runner:
 *
 *   node --import tsx bench/server.ts --config <toml> --users N [--prefix user] [--password pass]
 *
 * Loads the generated config with the real loader, builds the node with createNode (the
 * composition root), creates the bench accounts, starts the listeners and reports
 * `{ kind: 'ready', port, pid }` over IPC. Accounts are created in bulk: the SCRAM secrets are
 * derived once and stored for every user (same password, same salt), so setting up 19,000 users
 * costs one PBKDF2, not 19,000. A PLAIN login still costs one PBKDF2 with the stored salt and
 * iteration count, as in production.
 */
import { parseArgs } from 'node:util';
import { deriveAccountSecrets } from '../src/auth/scram.ts';
import { loadConfig } from '../src/config/index.ts';
import { ALL_MODULES, DEFAULT_MODULES } from '../src/modules/registry.ts';
import { createNode } from '../src/node.ts';
import { closeLogger, createLogger } from '../src/observability/logger.ts';

export type ServerCommand = { cmd: 'mem'; gc: boolean } | { cmd: 'stop' };
export type ServerReply =
  | { kind: 'ready'; port: number; pid: number; accounts: number; setupMs: number }
  | {
      kind: 'mem';
      rss: number;
      heapUsed: number;
      external: number;
      arrayBuffers: number;
      sessions: number;
      /** This node's sessions plus the other cluster nodes' (registry mirror). */
      clusterSessions: number;
    }
  | { kind: 'stopped' };

const { values } = parseArgs({
  options: {
    config: { type: 'string' },
    users: { type: 'string', default: '0' },
    prefix: { type: 'string', default: 'user' },
    password: { type: 'string', default: 'pass' },
  },
});
if (!values.config) throw new Error('--config is required');

const t0 = Date.now();
const moduleSchemas = Object.fromEntries(ALL_MODULES.map((m) => [m.id, m.options]));
const config = loadConfig({ path: values.config, moduleSchemas, defaultModules: DEFAULT_MODULES });
const log = createLogger({
  level: config.general.loglevel,
  file: config.general.log_file,
  stdout: false,
});
const node = await createNode(config, log);
const domain = config.general.hosts[0];
const users = Number(values.users);
const secrets = await deriveAccountSecrets(values.password, config.auth.scram_iterations);
const BATCH = 256;
for (let i = 1; i <= users; i += BATCH) {
  const batch: Promise<unknown>[] = [];
  for (let k = i; k < i + BATCH && k <= users; k++) {
    batch.push(node.accounts.create(`${values.prefix}${k}`, domain, secrets));
  }
  await Promise.all(batch);
}
await node.start();

const send = (r: ServerReply) => process.send?.(r);
send({
  kind: 'ready',
  port: node.c2sPorts()[0],
  pid: process.pid,
  accounts: users,
  setupMs: Date.now() - t0,
});

const gc = (globalThis as { gc?: () => void }).gc;
process.on('message', async (m: ServerCommand) => {
  if (m.cmd === 'mem') {
    if (m.gc && gc) gc();
    const u = process.memoryUsage();
    send({
      kind: 'mem',
      rss: u.rss,
      heapUsed: u.heapUsed,
      external: u.external,
      arrayBuffers: u.arrayBuffers,
      sessions: node.sm.count(),
      clusterSessions: node.admin.sessions.count(),
    });
  } else if (m.cmd === 'stop') {
    await node.stop();
    await closeLogger(log);
    send({ kind: 'stopped' });
    // Exit normally so that --cpu-prof writes its profile.
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));

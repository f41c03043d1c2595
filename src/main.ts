import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createAdminRegistry } from './admin/index.ts';
import { withModuleCommands } from './admin/module-commands.ts';
import type { AdminServices, DrainRequest } from './admin/services.ts';
import { loadNodeConfig } from './cli/node-config.ts';
import { removePidFile, writePidFile } from './cli/pid-file.ts';
import { parseNodeName, resolveCookie, startControlServer } from './cluster/control/index.ts';
import { ConfigError } from './config/index.ts';
import { createNode } from './node.ts';
import { checkFdLimit, readFdLimit, watchFdExhaustion } from './observability/fd-limits.ts';
import { closeLogger, createLogger, type Logger } from './observability/logger.ts';
import { ensurePrivateDir } from './storage/private-files.ts';

/**
 * The node process: argv → config → logger → environment checks → createNode() → control port
 * → start; SIGTERM/SIGINT or `meerkatctl stop` → graceful stop → exit.
 *   --config PATH     meerkat.toml (absent: the embedded default)
 *   --foreground      log to stdout as well as to [general] log_file
 *   --log-file PATH   log file when [general] log_file is unset (meerkatctl start sets it)
 */
const STOP_DEADLINE_MS = 30_000;
/**
 * SIGTERM drains before stopping (issue 6): sessions are asked to reconnect elsewhere in
 * batches for at most this long, then the stop (and its own deadline) follows. Drain plus
 * stop stays within the 60 s most supervisors wait before SIGKILL.
 */
const SIGTERM_DRAIN_MS = 20_000;

function parseArgv() {
  const { values } = parseArgs({
    options: {
      config: { type: 'string' },
      foreground: { type: 'boolean', default: false },
      'log-file': { type: 'string' },
    },
    strict: true,
  });
  return values;
}

async function main(): Promise<number> {
  let argv: ReturnType<typeof parseArgv>;
  let config: ReturnType<typeof loadNodeConfig>;
  try {
    argv = parseArgv();
    config = loadNodeConfig(argv.config, process.env);
  } catch (err) {
    process.stderr.write(`${err instanceof ConfigError ? err.message : String(err)}\n`);
    return 1;
  }
  // Issue 2: JSON lines to a file in the data dir always, and to stdout when attached
  // (--foreground, or run directly as `npm start` does; `meerkatctl start` passes --log-file).
  const logFile =
    config.general.log_file ?? argv['log-file'] ?? join(config.general.data_dir, 'meerkat.log');
  config = { ...config, general: { ...config.general, log_file: logFile } };
  // Before the logger: its file usually lives in the data dir, which is created 0700.
  ensurePrivateDir(config.general.data_dir);
  const log = createLogger({
    level: config.general.loglevel,
    file: logFile,
    stdout: argv.foreground || argv['log-file'] === undefined,
    base: { node: config.node.name },
  });
  try {
    return await run(config, log);
  } catch (err) {
    log.fatal({ what: 'node_start_failed', err });
    return 1;
  } finally {
    await closeLogger(log);
  }
}

async function run(config: ReturnType<typeof loadNodeConfig>, log: Logger): Promise<number> {
  const { name, cookie, cookie_file, dist_port_min, dist_port_max, max_connections } = config.node;
  const dataDir = config.general.data_dir;
  checkFdLimit(readFdLimit(), max_connections, log);
  const secret = await resolveCookie({ cookie, cookieFile: cookie_file, dataDir, create: true });
  const node = await createNode(config, log, { cookie: secret });
  const fdWatch = watchFdExhaustion({ log });
  let stopping: Promise<void> | undefined;
  let done!: (code: number) => void;
  const exited = new Promise<number>((resolve) => {
    done = resolve;
  });
  const stop = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      log.info({ what: 'node_stop_requested', reason });
      const deadline = setTimeout(() => {
        log.error({ what: 'node_stop_timeout', ms: STOP_DEADLINE_MS });
        done(1);
      }, STOP_DEADLINE_MS);
      await node.stop().catch((err: unknown) => log.error({ what: 'node_stop_failed', err }));
      await control.close();
      fdWatch.stop();
      await removePidFile(dataDir, process.pid);
      clearTimeout(deadline);
      done(0);
    })();
    return stopping;
  };
  const drainThenStop = async (request: DrainRequest, reason: string) => {
    log.info({ what: 'node_drain_requested', reason });
    try {
      return await node.drain(request);
    } finally {
      await stop(reason);
    }
  };
  const base = node.admin.node;
  // The control port belongs to this process, not to the node's services: add it to the
  // listeners, and make `meerkatctl stop` run the same shutdown as SIGTERM.
  let controlPort = 0;
  let controlIp = '';
  const services: AdminServices = {
    ...node.admin,
    node: {
      name: base.name,
      pid: base.pid,
      version: base.version,
      status: () => base.status(),
      startedAt: base.startedAt,
      dataDir: base.dataDir,
      logFile: base.logFile,
      listeners: () => [...base.listeners(), { kind: 'control', ip: controlIp, port: controlPort }],
      fdLimit: () => base.fdLimit(),
      stop: () => stop('meerkatctl stop'),
      drain: (request) => drainThenStop(request, 'meerkatctl drain'),
    },
  };
  const control = await startControlServer({
    nodeName: name,
    cookie: secret,
    portMin: dist_port_min,
    portMax: dist_port_max,
    host: parseNodeName(name).host,
    registry: withModuleCommands(createAdminRegistry(), () => node.modules.commands()),
    services,
    log,
  });
  controlPort = control.port;
  controlIp = control.ip;
  await writePidFile(dataDir, process.pid);
  process.once('SIGTERM', () => {
    const drained =
      base.status() === 'started'
        ? drainThenStop({ timeoutMs: SIGTERM_DRAIN_MS }, 'SIGTERM')
        : stop('SIGTERM');
    drained.catch((err: unknown) => log.error({ what: 'node_drain_failed', err }));
  });
  process.once('SIGINT', () => void stop('SIGINT'));
  try {
    await node.start();
  } catch (err) {
    log.fatal({ what: 'node_start_failed', err });
    await stop('start failed');
    return 1;
  }
  return exited;
}

process.exitCode = await main();
// Anything still open (a stuck socket) must not keep a stopped node alive.
setTimeout(() => process.exit(), 100).unref();

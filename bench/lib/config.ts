/** The generated meerkat.toml of a bench run, and a free port for it. */
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface BenchConfigOptions {
  dir: string;
  port: number;
  /** Node and listener cap on client connections. */
  maxConnections: number;
  /** PBKDF2 iterations of the stored SCRAM secrets (4096: the RFC 7677 §4 minimum). */
  scramIterations: number;
  loglevel: string;
  /** Modules to enable (each gets an empty [modules.NAME] table), or 'default' for the default set. */
  modules: readonly string[] | 'default';
  /** [node] name (cluster bench: each node of a cluster needs its own). */
  nodeName?: string;
  /** TOML appended at the end: e.g. [storage] postgres and [cluster] tables (cluster bench). */
  extraToml?: string;
}

export async function writeBenchConfig(o: BenchConfigOptions): Promise<string> {
  // A plain-TCP listener that accepts PLAIN without TLS: a load-test listener (RFC 6120 §6.4.1
  // says not to do this in production).
  const toml = `[general]
hosts = ["localhost"]
data_dir = ${JSON.stringify(o.dir)}
log_file = ${JSON.stringify(join(o.dir, 'meerkat.log'))}
loglevel = "${o.loglevel}"

[node]
max_connections = ${o.maxConnections}
${o.nodeName ? `name = ${JSON.stringify(o.nodeName)}\n` : ''}
[[listen.c2s]]
ip = "127.0.0.1"
port = ${o.port}
tls.mode = "starttls"
allow_plain_without_tls = true
max_connections = ${o.maxConnections}
# All the generator's clients come from 127.0.0.1-4: no per-address cap below the node's.
max_connections_per_ip = ${o.maxConnections}

[metrics]
enabled = false

[auth]
scram_iterations = ${o.scramIterations}
${o.modules === 'default' ? '' : o.modules.map((m) => `\n[modules.${m}]\n`).join('')}
${o.extraToml ?? ''}`;
  const path = join(o.dir, 'meerkat.toml');
  await writeFile(path, toml);
  return path;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen({ host: '127.0.0.1', port: 0 }, () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/**
 * The module set of the bench (BENCH_MODULES): `peers` (default) is what the ejabberd and
 * Prosody setups of ../shared/bench-peers load (roster, disco, ping, offline) plus presence,
 * which RFC 6121 presence needs here; `default` is Meerkat's default set (it includes MAM,
 * which archives every message in the database before delivery); or a comma-separated list.
 */
export const PEER_MODULES = ['mod_disco', 'mod_offline', 'mod_ping', 'mod_presence', 'mod_roster'];

export function benchModules(
  v = process.env.BENCH_MODULES ?? 'peers',
): readonly string[] | 'default' {
  if (v === 'default') return 'default';
  if (v === 'peers') return PEER_MODULES;
  return v.split(',').filter((m) => m !== '');
}

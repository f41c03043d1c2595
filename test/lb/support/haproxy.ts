import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../support/nats-server.ts';
import { type Child, startChild, waitFor } from './child.ts';
import { documentedConfig, substitute } from './docs-config.ts';

export const HAPROXY = '/usr/sbin/haproxy';

/** A node's ports as HAProxy sees them (all on 127.0.0.1). */
export interface Backend {
  c2s: number;
  tls: number;
  http: number;
}

export interface ServerState {
  backend: string;
  server: string;
  /** UP, DOWN, MAINT... */
  status: string;
  /** L7OK, L7STS (a bad HTTP status), L4CON (refused)... */
  checkStatus: string;
  checkCode: string;
}

export interface Haproxy {
  /** The STARTTLS frontend (xmpp_client). */
  port: number;
  /** The direct TLS frontend (xmpps_client). */
  tlsPort: number;
  /** `show stat` over the admin socket: one row per server. */
  servers(): Promise<ServerState[]>;
  /** Waits until `server` (node1/node2) has `status` in every backend. */
  waitForStatus(server: string, status: string): Promise<ServerState[]>;
  stop(): Promise<void>;
}

/**
 * Runs the HAProxy configuration of docs/load-balancing.md in front of two nodes, with
 * test-only changes: loopback addresses and free ports, fast checks (200 ms), an admin socket,
 * and `source` so the nodes see HAProxy connect from `source` (a client connects from
 * 127.0.0.1: the two are told apart).
 */
export async function startHaproxy(
  nodes: readonly [Backend, Backend],
  opts: { source: string; port?: number; tlsPort?: number },
): Promise<Haproxy> {
  const dir = await mkdtemp(join(tmpdir(), 'meerkat-haproxy-'));
  const sock = join(dir, 'admin.sock');
  const port = opts.port ?? (await freePort());
  const tlsPort = opts.tlsPort ?? (await freePort());
  const [a, b] = nodes;
  const cfg = substitute(await documentedConfig('haproxy'), [
    ['maxconn 100000', `maxconn 1000\n    stats socket ${sock} level admin`],
    ['bind :5222', `bind 127.0.0.1:${port}`],
    ['bind :5223', `bind 127.0.0.1:${tlsPort}`],
    ['inter 2s fall 2 rise 2', `inter 200ms fall 2 rise 1 source ${opts.source}`],
    ['10.0.0.11:5222 check port 5280', `127.0.0.1:${a.c2s} check port ${a.http}`],
    ['10.0.0.12:5222 check port 5280', `127.0.0.1:${b.c2s} check port ${b.http}`],
    ['10.0.0.11:5223 check port 5280', `127.0.0.1:${a.tls} check port ${a.http}`],
    ['10.0.0.12:5223 check port 5280', `127.0.0.1:${b.tls} check port ${b.http}`],
  ]);
  const file = join(dir, 'haproxy.cfg');
  await writeFile(file, cfg);
  // -db: stay in the foreground; the test owns the process.
  const child: Child = startChild(HAPROXY, ['-db', '-f', file]);
  const servers = async () => parseStat(await adminCommand(sock, 'show stat'));
  const h: Haproxy = {
    port,
    tlsPort,
    servers,
    waitForStatus: (server, status) =>
      waitFor(
        `HAProxy to see ${server} ${status}`,
        async () => {
          const rows = (await servers()).filter((r) => r.server === server);
          return rows.length > 0 && rows.every((r) => r.status === status) ? rows : undefined;
        },
        { child },
      ),
    async stop() {
      await child.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  await waitFor(
    'the HAProxy admin socket',
    () => servers().then((r) => r.length > 0 || undefined),
    {
      child,
    },
  );
  return h;
}

function adminCommand(path: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const s = connect({ path }, () => s.end(`${command}\n`));
    s.on('data', (d) => {
      out += String(d);
    });
    s.once('error', reject);
    s.once('close', () => resolve(out));
  });
}

/** `show stat` is CSV with a `# pxname,svname,...` header; BACKEND/FRONTEND rows are totals. */
function parseStat(csv: string): ServerState[] {
  const lines = csv.split('\n').filter((l) => l.length > 0);
  const header = lines[0]?.replace(/^# /, '').split(',') ?? [];
  const col = (name: string) => header.indexOf(name);
  return lines
    .slice(1)
    .map((l) => l.split(','))
    .filter((f) => f[col('svname')] !== 'BACKEND' && f[col('svname')] !== 'FRONTEND')
    .map((f) => ({
      backend: f[col('pxname')] ?? '',
      server: f[col('svname')] ?? '',
      status: f[col('status')] ?? '',
      checkStatus: f[col('check_status')] ?? '',
      checkCode: f[col('check_code')] ?? '',
    }));
}

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../support/nats-server.ts';
import { accepts, type Child, startChild, waitFor } from './child.ts';
import { documentedConfig, substitute } from './docs-config.ts';
import type { Backend } from './haproxy.ts';

export const NGINX = '/usr/sbin/nginx';
/** Debian's libnginx-mod-stream; the packaged nginx.conf loads it from modules-enabled/. */
const STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';

export interface Nginx {
  /** The stream proxy for c2s (PROXY protocol v1 towards the nodes). */
  port: number;
  /** The HTTP proxy for /ws-xmpp and /http-bind. */
  httpPort: number;
  stop(): Promise<void>;
}

/**
 * Runs the Nginx configuration of docs/load-balancing.md in front of two nodes, with
 * test-only changes: the stream module loaded, files in a temp dir, loopback addresses and
 * free ports, and `proxy_bind` so the nodes see Nginx connect from `source`.
 */
export async function startNginx(
  nodes: readonly [Backend, Backend],
  opts: { source: string },
): Promise<Nginx> {
  const dir = await mkdtemp(join(tmpdir(), 'meerkat-nginx-'));
  const port = await freePort();
  const httpPort = await freePort();
  const [a, b] = nodes;
  const body = substitute(await documentedConfig('nginx'), [
    ['worker_connections 10000;', 'worker_connections 1024;'],
    ['listen 5222;', `listen 127.0.0.1:${port};`],
    ['proxy_protocol on;', `proxy_protocol on;\n        proxy_bind ${opts.source};`],
    ['10.0.0.11:5222', `127.0.0.1:${a.c2s}`],
    ['10.0.0.12:5222', `127.0.0.1:${b.c2s}`],
    ['10.0.0.11:5280', `127.0.0.1:${a.http}`],
    ['10.0.0.12:5280', `127.0.0.1:${b.http}`],
    ['listen 80;', `listen 127.0.0.1:${httpPort};`],
    [
      '\nhttp {\n',
      `\nhttp {\n    access_log off;\n    proxy_bind ${opts.source};\n` +
        `    client_body_temp_path ${dir}/body;\n    proxy_temp_path ${dir}/proxy;\n`,
    ],
  ]);
  const conf = `load_module ${STREAM_MODULE};\npid ${dir}/nginx.pid;\nerror_log stderr warn;\n${body}`;
  const file = join(dir, 'nginx.conf');
  await writeFile(file, conf);
  const child: Child = startChild(NGINX, [
    '-p',
    dir,
    '-c',
    file,
    '-g',
    'daemon off; master_process off;',
  ]);
  await waitFor('Nginx to listen', async () => (await accepts(port)) && accepts(httpPort), {
    child,
  });
  return {
    port,
    httpPort,
    async stop() {
      await child.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

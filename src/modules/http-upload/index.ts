import { join } from 'node:path';
import { s } from '../../config/index.ts';
import type { Jid } from '../../jid/index.ts';
import { defineModule, onHook } from '../module-api.ts';
import { createFsBlobStore } from './blob-store.fs.ts';
import { UPLOAD_PATH, uploadHttpHandler } from './http-handler.ts';
import { PurgeJob } from './purge.ts';
import { UploadService } from './service.ts';
import { createSqlBlobStore, createUploadMetaStore } from './upload-store.sql.ts';
import type { BlobStore } from './upload-store.ts';

const MiB = 1024 * 1024;

const options = s.object(
  {
    host: s.string({
      doc: 'Domain of the upload service; @HOST@ is replaced by each served host',
      default: 'upload.@HOST@',
      nonEmpty: true,
    }),
    service_name: s.string({
      doc: 'Name of the service in disco#info',
      default: 'HTTP File Upload',
    }),
    max_file_size: s.int({
      doc: 'Largest file one slot may hold (bytes), announced in disco#info',
      default: 100 * MiB,
      min: 1,
    }),
    allowed_types: s.array(s.string({ doc: 'A media type or `type/*`', nonEmpty: true }), {
      doc: 'Content types a slot may be requested for (e.g. ["image/*", "video/mp4"]); empty: any',
      default: [],
    }),
    quota: s.int({
      doc: 'Bytes one user may hold in stored files and open slots; 0: no limit',
      default: 1024 * MiB,
      min: 0,
    }),
    daily_quota: s.int({
      doc: 'Bytes one user may request slots for in any 24 hours; 0: no limit',
      default: 1024 * MiB,
      min: 0,
    }),
    put_timeout: s.int({
      doc: 'Seconds a slot stays valid for its PUT to start (XEP-0363 §7 suggests about 60)',
      default: 300,
      min: 1,
      max: 86_400,
    }),
    expire_after: s.int({
      doc: 'Seconds an uploaded file is kept before the purge job deletes it',
      default: 30 * 86_400,
      min: 60,
    }),
    backend: s.string({
      doc: 'Where file bytes live: filesystem (dir), database (SQL rows any cluster node serves), auto (database on PostgreSQL, else filesystem)',
      default: 'auto',
      enum: ['auto', 'filesystem', 'database'] as const,
    }),
    dir: s.optional(
      s.path({ doc: 'Directory of the filesystem backend (default: <data_dir>/upload)' }),
    ),
    external_url: s.optional(
      s.string({
        doc: 'Public URL that maps to /upload/ of the HTTP listener (behind a proxy); default: the first HTTPS listener, else HTTP',
        pattern: /^https?:\/\/[^\s/]+(\/[^\s]*)?\/$/,
        patternHint: 'an http(s) URL ending with /',
      }),
    ),
    purge_interval: s.int({
      doc: 'Seconds between runs of the job that deletes expired files and unused slots',
      default: 300,
      min: 1,
      max: 86_400,
    }),
    purge_batch: s.int({
      doc: 'Files one purge run deletes at most (bounded work per run)',
      default: 100,
      min: 1,
      max: 100_000,
    }),
  },
  { doc: 'HTTP File Upload (XEP-0363)' },
);

/** mod_http_upload: XEP-0363 slots at upload.<host>, PUT and GET on the HTTP listeners. */
export const modHttpUpload = defineModule({
  id: 'mod_http_upload',
  summary:
    'HTTP File Upload at upload.<host>: slots, quotas, PUT/GET with ranges on the HTTP listeners',
  xeps: [{ xep: 363, version: '1.1.0' }],
  options,
  async start(ctx) {
    const o = ctx.options;
    const meta = await createUploadMetaStore(ctx.db);
    const useDb =
      o.backend === 'database' || (o.backend === 'auto' && ctx.db.dialect === 'postgres');
    const blobs: BlobStore = useDb
      ? await createSqlBlobStore(ctx.db)
      : await createFsBlobStore(o.dir ?? join(ctx.dataDir, 'upload'));
    const secret = await meta.secret();
    const now = () => Date.now();
    const hosts = new Set(ctx.hosts);
    const mayUpload = (from: Jid) => from.local !== '' && hosts.has(from.domain);
    const limits = {
      maxFileSize: o.max_file_size,
      allowedTypes: o.allowed_types,
      quota: o.quota,
      dailyQuota: o.daily_quota,
      putTimeoutMs: o.put_timeout * 1000,
      expireAfterMs: o.expire_after * 1000,
    };
    const services = new Map<string, UploadService>();
    const undo: (() => void)[] = [];
    for (const host of ctx.hosts) {
      const domain = o.host.replaceAll('@HOST@', host).toLowerCase();
      const baseUrl = () => o.external_url ?? listenerUrl(ctx.httpListeners(), host);
      const svc = new UploadService(domain, o.service_name, limits, {
        router: ctx.router,
        meta,
        secret,
        baseUrl,
        mayUpload,
        now,
      });
      services.set(host, svc);
      undo.push(ctx.router.registerService(domain, svc.handle));
    }
    const purge = new PurgeJob({
      meta,
      blobs,
      log: ctx.log,
      now,
      batch: o.purge_batch,
      intervalMs: o.purge_interval * 1000,
    });
    purge.start();
    return {
      http: [
        {
          prefix: UPLOAD_PATH,
          handler: uploadHttpHandler({ meta, blobs, secret, log: ctx.log, now }),
        },
      ],
      hooks: [
        // XEP-0363 §3: the user's server lists the upload service among its disco#items.
        onHook('disco-local-items', async (acc, { domain }) => {
          const svc = services.get(domain);
          return svc ? [...acc, { jid: svc.domain, name: o.service_name }] : acc;
        }),
        // An account's files go with it (deleted by the next purge runs).
        onHook('remove-user', async (acc, { user, domain }) => {
          await meta.expireOwner(`${user}@${domain}`, now());
          return acc;
        }),
      ],
      commands: [
        {
          name: 'http_upload_purge',
          summary: 'Deletes expired uploads and unused slots now (one bounded batch)',
          args: [],
          run: async () => {
            const n = await purge.runOnce();
            return { text: `purged ${n} upload(s)`, json: { purged: n } };
          },
        },
      ],
      async stop() {
        for (const u of undo) u();
        await purge.stop();
      },
    };
  },
});

/**
 * The URL of /upload/ on the first HTTPS listener (XEP-0363 §4: the host MUST provide TLS),
 * else the first HTTP one. A loopback listener is named `localhost` (the name its self-signed
 * certificate carries); any other by the XMPP host (set external_url when the public name
 * differs).
 */
function listenerUrl(
  listeners: readonly { ip: string; port: number; secure: boolean }[],
  host: string,
): string {
  const l = listeners.find((x) => x.secure) ?? listeners[0];
  if (!l) throw new Error('mod_http_upload needs a [[listen.http]] listener or external_url');
  const loopback = l.ip.startsWith('127.') || l.ip === '::1';
  const name = loopback ? 'localhost' : host;
  return `${l.secure ? 'https' : 'http'}://${name}:${l.port}${UPLOAD_PATH}`;
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { HttpHandler } from '../../net/http-listener.ts';
import type { Logger } from '../../observability/logger.ts';
import { contentDisposition, parseRange } from './http-headers.ts';
import { mediaType, putToken, tokenMatches } from './slot.ts';
import type { BlobStore, UploadMetaStore } from './upload-store.ts';

export const UPLOAD_PATH = '/upload/';

export interface UploadHttpDeps {
  meta: UploadMetaStore;
  blobs: BlobStore;
  secret: Buffer;
  log: Logger;
  now(): number;
}

// Web clients (Converse.js) upload and download from another origin: the URLs are the only
// credential (XEP-0363 §2), so any origin may use them.
const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, HEAD, PUT, OPTIONS',
  'access-control-allow-headers': 'Content-Type, Authorization',
  'access-control-expose-headers': 'Content-Length, Content-Range, Accept-Ranges, ETag',
  'access-control-max-age': '86400',
};

/** PUT and GET of `/upload/<id>/<filename>`; the filename segment is informative only. */
export function uploadHttpHandler(d: UploadHttpDeps): HttpHandler {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://upload.invalid');
    const id = url.pathname.slice(UPLOAD_PATH.length).split('/')[0] ?? '';
    let work: Promise<void>;
    switch (req.method) {
      case 'OPTIONS':
        res.writeHead(204, CORS).end();
        return;
      case 'PUT':
        work = put(d, req, res, id, url.searchParams.get('token') ?? '');
        break;
      case 'GET':
      case 'HEAD':
        work = get(d, req, res, id);
        break;
      default:
        res.writeHead(405, { ...CORS, allow: 'GET, HEAD, PUT, OPTIONS' }).end();
        return;
    }
    work.catch((err: unknown) => {
      d.log.warn({ what: 'http_upload_failed', method: req.method, err });
      if (!res.headersSent) status(res, 500, 'internal error\n');
      else res.destroy();
    });
  };
}

function status(res: ServerResponse, code: number, text: string, close = false): void {
  res.writeHead(code, {
    ...CORS,
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(text);
}

async function put(
  d: UploadHttpDeps,
  req: IncomingMessage,
  res: ServerResponse,
  id: string,
  token: string,
): Promise<void> {
  // A refused PUT answers before reading the body and closes the connection, so the rest of a
  // large body is not read for nothing.
  const refuse = (code: number, text: string) => status(res, code, text, true);
  const rec = id === '' ? undefined : await d.meta.get(id);
  if (!rec) return refuse(404, 'no such slot\n');
  if (!tokenMatches(putToken(d.secret, rec), token)) return refuse(403, 'bad token\n');
  if (rec.state !== 'slot') return refuse(409, 'already uploaded\n');
  if (d.now() > rec.putDeadline) return refuse(410, 'slot expired\n');
  // XEP-0363 §6: the Content-Length MUST match the slot's size.
  const lengthHeader = req.headers['content-length'];
  if (lengthHeader === undefined) return refuse(411, 'Content-Length required\n');
  const length = Number(lengthHeader);
  if (length > rec.size) return refuse(413, `the slot is for ${rec.size} bytes\n`);
  if (length !== rec.size) return refuse(400, `the slot is for ${rec.size} bytes\n`);
  // §6: SHOULD reject a Content-Type other than the one requested.
  const type = mediaType(req.headers['content-type'] ?? '');
  if (rec.contentType !== '' && type !== mediaType(rec.contentType)) {
    return refuse(415, `the slot is for ${mediaType(rec.contentType)}\n`);
  }
  // One PUT per slot, cluster-wide: the state change is the lock.
  if (!(await d.meta.transition(id, 'slot', 'uploading'))) {
    return refuse(409, 'already uploaded\n');
  }
  try {
    await d.blobs.put(id, req, rec.size);
  } catch (err) {
    await d.meta.transition(id, 'uploading', 'slot');
    throw err;
  }
  await d.meta.transition(id, 'uploading', 'complete');
  res.writeHead(201, { ...CORS, 'content-length': '0' }).end();
}

async function get(
  d: UploadHttpDeps,
  req: IncomingMessage,
  res: ServerResponse,
  id: string,
): Promise<void> {
  const rec = id === '' ? undefined : await d.meta.get(id);
  if (rec?.state !== 'complete') return status(res, 404, 'not found\n');
  const now = d.now();
  if (now >= rec.expiresAt) return status(res, 410, 'expired\n');
  const type = rec.contentType || 'application/octet-stream';
  const headers: Record<string, string> = {
    ...CORS,
    'content-type': type,
    'accept-ranges': 'bytes',
    etag: `"${rec.id}"`,
    // The bytes behind a URL never change until the file expires.
    'cache-control': `public, max-age=${Math.floor((rec.expiresAt - now) / 1000)}, immutable`,
    'content-disposition': contentDisposition(rec.filename, type),
    'x-content-type-options': 'nosniff',
    // An uploaded HTML or SVG file must not run script in the server's origin.
    'content-security-policy': "default-src 'none'; sandbox",
  };
  const range = parseRange(req.headers.range, rec.size);
  if (range === 'unsatisfiable') {
    res.writeHead(416, { ...headers, 'content-range': `bytes */${rec.size}` }).end();
    return;
  }
  const [start, end] = range ?? [0, rec.size - 1];
  headers['content-length'] = String(end - start + 1);
  if (range) headers['content-range'] = `bytes ${start}-${end}/${rec.size}`;
  res.writeHead(range ? 206 : 200, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await pipeline(d.blobs.read(id, start, end), res);
}

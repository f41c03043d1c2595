import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { StanzaError } from '../../errors/index.ts';
import { type Element, x } from '../../xml/index.ts';

export const NS_HTTP_UPLOAD = 'urn:xmpp:http:upload:0';

export interface SlotRequest {
  filename: string;
  size: number;
  /** '' when the request named none. */
  contentType: string;
}

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
/** RFC 9110 §8.3.1 media-type, parameters allowed (`text/plain; charset=utf-8`). */
const MEDIA_TYPE = new RegExp(
  `^${TOKEN}/${TOKEN}(\\s*;\\s*${TOKEN}=(${TOKEN}|"[^"\\\\\\r\\n]*"))*$`,
);
const MAX_FILENAME_BYTES = 255;

/** XEP-0363 §4: filename and size are required, content-type is optional. */
export function parseSlotRequest(req: Element): SlotRequest {
  const name = req.attrs.filename ?? '';
  const sizeText = req.attrs.size ?? '';
  const type = (req.attrs['content-type'] ?? '').trim();
  if (!/^\d{1,15}$/.test(sizeText)) {
    throw new StanzaError('bad-request', { text: 'size must be a number of bytes' });
  }
  const size = Number(sizeText);
  if (size < 1) throw new StanzaError('bad-request', { text: 'size must be at least 1 byte' });
  const filename = safeFilename(name);
  if (filename === '') throw new StanzaError('bad-request', { text: 'filename is required' });
  if (type !== '' && (type.length > 255 || !MEDIA_TYPE.test(type))) {
    throw new StanzaError('bad-request', { text: 'content-type is not a media type' });
  }
  return { filename, size, contentType: type };
}

/**
 * The name as a single path segment: separators and control characters become `_`, leading dots
 * go (no hidden or relative names), at most 255 bytes keeping the extension (XEP-0363 §4 asks
 * to keep the file ending intact).
 */
export function safeFilename(name: string): string {
  let out = name.replace(/[\u0000-\u001f\u007f/\\]/g, '_').replace(/^[.\s]+/, '');
  while (Buffer.byteLength(out) > MAX_FILENAME_BYTES) {
    const dot = out.lastIndexOf('.');
    const ext = dot > 0 && out.length - dot <= 16 ? out.slice(dot) : '';
    out = out.slice(0, out.length - ext.length - 1) + ext;
  }
  return out.trim();
}

/** The media type without parameters, lower-cased: what a PUT's Content-Type must match. */
export function mediaType(type: string): string {
  return (type.split(';')[0] ?? '').trim().toLowerCase();
}

/** `image/*` style patterns of allowed_types; an empty list allows every type. */
export function typeAllowed(type: string, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  const t = mediaType(type || 'application/octet-stream');
  return allowed.some((p) => {
    const pat = p.toLowerCase();
    return pat.endsWith('/*') ? t.startsWith(pat.slice(0, -1)) : t === pat;
  });
}

/** 128 random bits: URLs that cannot be guessed (XEP-0363 §8). */
export function newUploadId(): string {
  return randomBytes(16).toString('base64url');
}

/** The PUT token: an HMAC over everything the slot granted, so none of it can be changed. */
export function putToken(
  secret: Buffer,
  slot: { id: string; size: number; contentType: string; putDeadline: number },
): string {
  return createHmac('sha256', secret)
    .update(`put\n${slot.id}\n${slot.size}\n${slot.contentType}\n${slot.putDeadline}`)
    .digest('base64url');
}

export function tokenMatches(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** XEP-0363 §5 example 7: not-acceptable with the service's limit. */
export function fileTooLarge(max: number): StanzaError {
  return new StanzaError('not-acceptable', {
    text: `File too large. The maximum file size is ${max} bytes`,
    appCondition: x(
      'file-too-large',
      NS_HTTP_UPLOAD,
      {},
      x('max-file-size', NS_HTTP_UPLOAD, {}, String(max)),
    ),
  });
}

/** XEP-0363 §5 example 8: a temporary refusal (quota) with the time to retry (XEP-0082, UTC). */
export function quotaReached(text: string, retryAt: number | undefined): StanzaError {
  return new StanzaError('resource-constraint', {
    type: 'wait',
    text,
    appCondition:
      retryAt === undefined
        ? undefined
        : x('retry', NS_HTTP_UPLOAD, {
            stamp: new Date(retryAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          }),
  });
}

/**
 * The earliest time at which `need` more bytes fit under `limit`, given the `used` bytes and
 * when each item stops counting (soonest first); undefined when nothing would free enough.
 */
export function whenFits(
  used: number,
  need: number,
  limit: number,
  items: readonly { at: number; size: number }[],
): number | undefined {
  let remaining = used;
  for (const it of items) {
    remaining -= it.size;
    if (remaining + need <= limit) return it.at;
  }
  return undefined;
}

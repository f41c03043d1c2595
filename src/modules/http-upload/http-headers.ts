/**
 * RFC 9110 §14.1.2: one `bytes=a-b`, `a-` or `-n` range. undefined: no Range header, or one we
 * serve whole (several ranges, another unit, bad syntax: §14.2 lets a server ignore it).
 */
export function parseRange(
  header: string | undefined,
  size: number,
): [number, number] | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    return [Math.max(size - suffix, 0), size - 1];
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return [start, end];
}

/** Types a browser may show in place; anything else (HTML, SVG, scripts) is a download. */
const INLINE =
  /^(image\/(png|jpeg|gif|webp|avif|heic|heif)|audio\/[\w.+-]+|video\/[\w.+-]+|text\/plain)$/;

/**
 * RFC 6266: the stored name, ASCII-only in `filename` (quotes, backslashes and non-ASCII become
 * `_`) and exact in `filename*` (RFC 8187 percent-encoding).
 */
export function contentDisposition(filename: string, type: string): string {
  const kind = INLINE.test(type.split(';')[0]!.trim().toLowerCase()) ? 'inline' : 'attachment';
  const ascii = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

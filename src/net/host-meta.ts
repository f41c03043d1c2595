import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpClientInfo, HttpHandler } from './http-listener.ts';

/** XEP-0156 §3: link relations of the XMPP alternative connection methods. */
export const REL_WEBSOCKET = 'urn:xmpp:alt-connections:websocket';
export const REL_BOSH = 'urn:xmpp:alt-connections:xbosh';
export const HOST_META_PATH = '/.well-known/host-meta';
export const HOST_META_JSON_PATH = '/.well-known/host-meta.json';

export interface HostMetaOptions {
  websocket: string | false;
  bosh: string | false;
  /** The listener's public base URL (behind a proxy); default: the request's scheme and Host. */
  publicUrl?: string;
}

export interface HostMetaLink {
  rel: string;
  href: string;
}

/** A Host header we are willing to echo into a URL (RFC 3986 reg-name, IPv4, [IPv6], port). */
const HOST_HEADER = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/;

/** The links for one request; undefined when the Host header cannot make a URL. */
export function hostMetaLinks(
  o: HostMetaOptions,
  host: string | undefined,
  secure: boolean,
): HostMetaLink[] | undefined {
  let http: string;
  let ws: string;
  if (o.publicUrl !== undefined) {
    http = o.publicUrl.replace(/\/+$/, '');
    ws = http.replace(/^http/, 'ws');
  } else {
    if (host === undefined || !HOST_HEADER.test(host)) return undefined;
    http = `${secure ? 'https' : 'http'}://${host}`;
    ws = `${secure ? 'wss' : 'ws'}://${host}`;
  }
  const links: HostMetaLink[] = [];
  if (o.bosh !== false) links.push({ rel: REL_BOSH, href: `${http}${o.bosh}` });
  if (o.websocket !== false) links.push({ rel: REL_WEBSOCKET, href: `${ws}${o.websocket}` });
  return links;
}

const escapeAttr = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

/** XEP-0156 §3.2 Example 1: the XRD document (RFC 6415 host-meta). */
export function renderXrd(links: readonly HostMetaLink[]): string {
  const body = links.map(
    (l) => `  <Link rel="${escapeAttr(l.rel)}" href="${escapeAttr(l.href)}"/>`,
  );
  return [
    "<?xml version='1.0' encoding='utf-8'?>",
    "<XRD xmlns='http://docs.oasis-open.org/ns/xri/xrd-1.0'>",
    ...body,
    '</XRD>',
    '',
  ].join('\n');
}

/** XEP-0156 §3.2 Example 2: the JRD (JSON) form. */
export function renderJrd(links: readonly HostMetaLink[]): string {
  return `${JSON.stringify({ links })}\n`;
}

/** GET/HEAD handlers for both paths, with CORS so web clients on other origins can read them. */
export function hostMetaHandler(o: HostMetaOptions, json: boolean): HttpHandler {
  return (req: IncomingMessage, res: ServerResponse, client: HttpClientInfo) => {
    const cors = { 'access-control-allow-origin': '*' };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...cors, 'access-control-allow-methods': 'GET, HEAD' }).end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD, OPTIONS' }).end();
      return;
    }
    const links = hostMetaLinks(o, req.headers.host, client.secure);
    if (links === undefined) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('bad Host header\n');
      return;
    }
    const body = json ? renderJrd(links) : renderXrd(links);
    res.writeHead(200, {
      ...cors,
      'content-type': json ? 'application/json' : 'application/xrd+xml; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'public, max-age=3600',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}

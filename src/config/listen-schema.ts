/** `[[listen.c2s]]` and `[[listen.http]]`: where the node accepts XMPP clients. */
import { s } from './schema.ts';

export const IP_PATTERN = /^[0-9A-Fa-f:.]+$/;
const CIDR_PATTERN = /^[0-9A-Fa-f:.]+(\/\d{1,3})?$/;
const URL_PATH_PATTERN = /^\/[A-Za-z0-9._~!$&'()*+,;=:@/-]*$/;

export const port = (doc: string, def: number) => s.int({ min: 1, max: 65535, default: def, doc });

export const ip = (doc: string, def: string) =>
  s.string({ pattern: IP_PATTERN, patternHint: 'an IP address', default: def, doc });

const trustedProxies = s.array(
  s.string({
    pattern: CIDR_PATTERN,
    patternHint: 'an IP address or CIDR range',
    doc: 'A proxy address or range',
  }),
  {
    default: [],
    doc: 'Addresses allowed to send a PROXY protocol header or X-Forwarded-For; empty trusts none',
  },
);

const proxyProtocol = s.bool({
  default: false,
  doc: 'Expect a HAProxy PROXY protocol (v1/v2) header from trusted_proxies before the stream',
});

const maxConnections = s.optional(
  s.int({
    min: 1,
    doc: 'Cap on open connections of this listener (unset: only [node] max_connections)',
  }),
);

/**
 * 100 by default: room for a household or an office behind one NAT address (each user with a
 * few devices), yet one address cannot take a whole listener's max_connections. Set it higher
 * for a carrier-grade NAT, or when clients come through a proxy that neither sends a PROXY
 * header nor is listed in trusted_proxies (every client then has the proxy's address).
 */
export const DEFAULT_MAX_CONNECTIONS_PER_IP = 100;

const maxConnectionsPerIp = s.int({
  min: 1,
  default: DEFAULT_MAX_CONNECTIONS_PER_IP,
  doc: 'Cap on open connections from one client address (the real one, after PROXY protocol or trusted X-Forwarded-For); more are closed at once',
});

const shaperRef = (what: string) =>
  s.optional(
    s.string({
      nonEmpty: true,
      doc: `Name of a [shaper.NAME] limiting ${what}, from the first byte (pre-auth included); unset: unlimited`,
    }),
  );

const certPair = {
  certfile: s.optional(s.path({ doc: 'PEM certificate chain (set with keyfile)' })),
  keyfile: s.optional(s.path({ doc: 'PEM private key (set with certfile)' })),
};

function bothOrNeither(
  v: { certfile?: string; keyfile?: string },
  report: (p: string, r: string) => void,
) {
  if ((v.certfile === undefined) !== (v.keyfile === undefined)) {
    const missing = v.certfile === undefined ? 'certfile' : 'keyfile';
    report(missing, 'certfile and keyfile must be set together');
  }
}

const c2sTls = s.object(
  {
    mode: s.string({
      enum: ['starttls', 'starttls_required', 'tls'],
      default: 'starttls_required',
      doc: 'starttls_required: no SASL mechanism before STARTTLS; starttls: TLS offered, authentication without it allowed (an opt-in: passwords and sessions cross the network in clear); tls: TLS from the first byte (XEP-0368). Without certfile/keyfile a self-signed certificate is generated into the data dir',
    }),
    ...certPair,
  },
  {
    doc: 'TLS of this listener (RFC 6120 §5)',
    check(v, report) {
      bothOrNeither(v, report);
      // Without certfile/keyfile every TLS mode uses the self-signed certificate generated
      // into the data dir (the embedded default works with no set-up; clients must accept it).
    },
  },
);

export const c2sListener = s.object(
  {
    port: port('TCP port', 5222),
    ip: ip('Address to bind; "::" for all IPv6 (and usually IPv4) addresses', '0.0.0.0'),
    tls: c2sTls,
    allow_plain_without_tls: s.bool({
      default: false,
      doc: 'Offer SASL PLAIN on a connection that is not encrypted (RFC 6120 §6.4.1 says not to); needs tls.mode = "starttls"',
    }),
    max_connections: maxConnections,
    max_connections_per_ip: maxConnectionsPerIp,
    max_stanza_size: s.optional(
      s.int({ min: 1024, doc: 'Overrides [general] max_stanza_size for this listener (bytes)' }),
    ),
    proxy_protocol: proxyProtocol,
    trusted_proxies: trustedProxies,
    shaper: shaperRef("each connection's read rate"),
  },
  {
    doc: 'A client-to-server listener over TCP',
    check(v, report) {
      // Only an explicit tls.mode = "starttls" lets anything authenticate without TLS: PLAIN
      // in clear on top of it is a second, deliberate opt-in (issue 10, secure by default).
      if (v.allow_plain_without_tls && v.tls.mode !== 'starttls') {
        report(
          'allow_plain_without_tls',
          `allow_plain_without_tls needs tls.mode = "starttls" (with "${v.tls.mode}" no mechanism is offered before TLS)`,
        );
      }
    },
  },
);

const endpointPath = (doc: string, def: string) =>
  s.oneOf(
    [
      s.string({ pattern: URL_PATH_PATTERN, patternHint: 'a URL path', doc }),
      s.literal(false, { doc }),
    ],
    { default: def, doc },
  );

export const httpListener = s.object(
  {
    port: port('TCP port', 5280),
    ip: ip('Address to bind', '0.0.0.0'),
    tls: s.object(certPair, {
      doc: 'Serve HTTPS when certfile and keyfile are set',
      check: bothOrNeither,
    }),
    paths: s.object(
      {
        websocket: endpointPath(
          'XMPP over WebSocket (RFC 7395) path, or false to disable',
          '/ws-xmpp',
        ),
        bosh: endpointPath('BOSH (XEP-0124/XEP-0206) path, or false to disable', '/http-bind'),
        health: s.bool({
          default: true,
          doc: 'Serve GET /health (200 while the node accepts clients)',
        }),
        host_meta: s.bool({
          default: true,
          doc: "Serve /.well-known/host-meta and host-meta.json (XEP-0156) with this listener's WebSocket and BOSH URLs",
        }),
      },
      {
        doc: 'Endpoints served by this listener',
        check(v, report) {
          if (v.websocket !== false && v.websocket === v.bosh) {
            report('bosh', 'must differ from paths.websocket');
          }
        },
      },
    ),
    public_url: s.optional(
      s.string({
        pattern: /^https?:\/\/[^\s/]+(\/[^\s]*)?$/,
        patternHint: 'an http(s) URL',
        doc: "Base URL clients reach this listener at (behind a proxy), for host-meta links; default: the request's scheme and Host",
      }),
    ),
    proxy_protocol: proxyProtocol,
    trusted_proxies: trustedProxies,
    max_connections: maxConnections,
    max_connections_per_ip: maxConnectionsPerIp,
    shaper: shaperRef("each WebSocket's read rate (BOSH is not shaped)"),
  },
  { doc: 'An HTTP listener for WebSocket and BOSH clients' },
);

export const listenSchema = s.object(
  {
    c2s: s.array(c2sListener, {
      default: [{ port: 5222 }],
      doc: 'Client-to-server TCP listeners ([[listen.c2s]]); see DEFAULT_LISTEN for the file-less default',
    }),
    http: s.array(httpListener, {
      default: [],
      doc: 'HTTP listeners for WebSocket/BOSH/health ([[listen.http]]); none unless configured (see DEFAULT_LISTEN)',
    }),
  },
  { doc: 'Network listeners' },
);

/**
 * Listeners of a configuration with no [listen] table at all (the embedded default, a
 * newcomer's first start): STARTTLS on 5222, direct TLS on 5223 (XEP-0368), and WebSocket,
 * BOSH and health checks on 5280, as MongooseIM's default configuration offers. A file that
 * configures any listener gets exactly the listeners it lists.
 */
export const DEFAULT_LISTEN = {
  c2s: [{ port: 5222 }, { port: 5223, tls: { mode: 'tls' } }],
  http: [{ port: 5280 }],
};

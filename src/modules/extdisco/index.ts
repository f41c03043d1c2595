import { type Infer, s } from '../../config/index.ts';
import { StanzaError } from '../../errors/index.ts';
import type { IqRequest } from '../../iq/index.ts';
import { type Element, x } from '../../xml/index.ts';
import { defineModule } from '../module-api.ts';
import { turnCredentials } from './turn-credentials.ts';

export const NS_EXTDISCO = 'urn:xmpp:extdisco:2';

const service = s.object(
  {
    type: s.string({
      doc: 'Service type (XEP-0215 §3.1 registry): stun, stuns, turn or turns',
      enum: ['stun', 'stuns', 'turn', 'turns'] as const,
    }),
    host: s.string({ doc: 'Host name or IP address clients connect to', nonEmpty: true }),
    port: s.int({ doc: 'Port of the service', default: 3478, min: 1, max: 65_535 }),
    transport: s.string({
      doc: 'Transport of the service: udp or tcp',
      default: 'udp',
      enum: ['udp', 'tcp'] as const,
    }),
    name: s.optional(s.string({ doc: 'A name for the service shown to users' })),
    secret: s.optional(
      s.string({
        doc: 'Secret shared with the TURN server (coturn static-auth-secret): clients get short-lived credentials',
        nonEmpty: true,
      }),
    ),
    username: s.optional(s.string({ doc: 'A fixed username for the service (without secret)' })),
    password: s.optional(s.string({ doc: 'A fixed password for the service (without secret)' })),
  },
  { doc: 'One external service' },
);

const options = s.object(
  {
    services: s.array(service, {
      doc: 'STUN/TURN services offered to local users ([[modules.mod_extdisco.services]] tables)',
      default: [],
    }),
    credentials_ttl: s.int({
      doc: 'Seconds the TURN credentials computed from a secret stay valid',
      default: 86_400,
      min: 60,
      max: 30 * 86_400,
    }),
  },
  { doc: 'External Service Discovery (XEP-0215): STUN/TURN servers with TURN credentials' },
);

type Service = Infer<typeof service>;

export const modExtdisco = defineModule({
  id: 'mod_extdisco',
  summary:
    'External Service Discovery (XEP-0215): STUN/TURN services, short-lived TURN credentials',
  xeps: [
    {
      xep: 215,
      version: '1.0.0',
      note: 'credentials from a shared secret (TURN REST API, as coturn use-auth-secret) or fixed',
    },
  ],
  options,
  async start(ctx) {
    const { services, credentials_ttl: ttl } = ctx.options;

    /** One <service/>; with credentials when asked for and the service has any (§3.2, §3.3). */
    const render = (svc: Service, user: string, withCredentials: boolean): Element => {
      const attrs: Record<string, string | undefined> = {
        type: svc.type,
        host: svc.host,
        port: String(svc.port),
        transport: svc.transport,
        name: svc.name,
      };
      const restricted = svc.secret !== undefined || svc.username !== undefined;
      if (restricted) attrs.restricted = '1';
      if (withCredentials && svc.secret !== undefined) {
        const c = turnCredentials(svc.secret, user, ttl, Date.now());
        attrs.username = c.username;
        attrs.password = c.password;
        // XEP-0082 DateTime without milliseconds.
        attrs.expires = `${c.expires.toISOString().slice(0, 19)}Z`;
      } else if (withCredentials && svc.username !== undefined) {
        attrs.username = svc.username;
        attrs.password = svc.password;
      }
      return x('service', NS_EXTDISCO, attrs);
    };

    const handler = (req: IqRequest): Element => {
      if (req.type !== 'get')
        throw new StanzaError('bad-request', { text: 'XEP-0215 uses IQ-get' });
      // Credentials are for this server's own users (XEP-0215 §7: only authorized entities).
      if (req.from.local === '' || !ctx.hosts.includes(req.from.domain)) {
        throw new StanzaError('forbidden');
      }
      const user = req.from.bareString();
      const p = req.payload;
      if (p.name === 'services') {
        const type = p.attrs.type;
        const list = services.filter((svc) => type === undefined || svc.type === type);
        return x('services', NS_EXTDISCO, { type }, ...list.map((svc) => render(svc, user, true)));
      }
      if (p.name === 'credentials') {
        // §3.3: credentials for one service, named by host, type and (optionally) port.
        const want = p.getChild('service', NS_EXTDISCO);
        const host = want?.attrs.host;
        if (host === undefined)
          throw new StanzaError('bad-request', { text: 'service host missing' });
        const match = services.filter(
          (svc) =>
            svc.host === host &&
            (want?.attrs.type === undefined || svc.type === want.attrs.type) &&
            (want?.attrs.port === undefined || String(svc.port) === want.attrs.port),
        );
        if (match.length === 0) throw new StanzaError('item-not-found');
        return x('credentials', NS_EXTDISCO, {}, ...match.map((svc) => render(svc, user, true)));
      }
      throw new StanzaError('bad-request');
    };

    return { iq: [{ target: 'server', ns: NS_EXTDISCO, handler }] };
  },
});

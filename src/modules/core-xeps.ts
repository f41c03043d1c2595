import type { ModuleDefinition, XepDeclaration } from './module-api.ts';

/**
 * XEPs the server core implements (transports, stream negotiation), declared like a module's
 * so docs/xeps.md lists them with the rest. Each entry names the component that owns it.
 */
export const CORE_XEPS: readonly { component: string; xeps: readonly XepDeclaration[] }[] = [
  {
    component: 'core: c2s',
    xeps: [
      {
        xep: 368,
        version: '1.1.0',
        note: 'direct TLS listener (default port 5223), ALPN xmpp-client',
      },
      {
        xep: 440,
        version: '0.4.0',
        note: 'tls-server-end-point always, tls-exporter on TLS 1.3, tls-unique on TLS 1.2',
      },
    ],
  },
  {
    component: 'core: BOSH',
    xeps: [
      { xep: 124, version: '1.11.2', note: 'no ack, request keys or multiple streams' },
      { xep: 206, version: '1.4', note: 'stream restart with xmpp:restart' },
    ],
  },
  {
    component: 'core: HTTP',
    xeps: [
      {
        xep: 156,
        version: '1.4.0',
        note: 'host-meta and host-meta.json on each HTTP listener (paths.host_meta, public_url)',
      },
    ],
  },
];

/** The core declarations shaped as pseudo-modules for the XEP table. */
export function coreXepEntries(): Pick<ModuleDefinition<unknown>, 'id' | 'xeps'>[] {
  return CORE_XEPS.map((c) => ({ id: c.component as `mod_${string}`, xeps: c.xeps }));
}

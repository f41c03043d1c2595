import { StreamError } from '../errors/index.ts';
import { tryParseJid } from '../jid/index.ts';
import { NS_CLIENT, NS_STREAM } from '../xml/index.ts';
import type { StreamOpen } from '../xml/parser.ts';

/**
 * Validates a client's stream header (RFC 6120 §4.7, errors of §4.9.3) and returns the
 * domain it addresses. `authDomain` is set on restarts after SASL: the domain cannot change.
 */
export function checkStreamOpen(
  open: StreamOpen,
  hosts: ReadonlySet<string>,
  authDomain: string | undefined,
  authJid: string | undefined,
): string {
  if (open.ns !== NS_STREAM || open.name !== 'stream') {
    // §4.9.3.10: wrong namespace for the stream root.
    throw new StreamError('invalid-namespace', 'the stream root must be stream in ' + NS_STREAM);
  }
  if (open.prefix !== 'stream' && open.prefix !== '') {
    throw new StreamError('bad-namespace-prefix');
  }
  if (open.defaultNs !== NS_CLIENT) {
    // §4.8.2: a c2s stream's content namespace is jabber:client.
    throw new StreamError('invalid-namespace', 'the content namespace must be ' + NS_CLIENT);
  }
  const version = open.attrs.version;
  const major = version === undefined ? 0 : Number.parseInt(version.split('.')[0] ?? '', 10);
  if (!(major >= 1)) {
    // §4.7.5: no version means pre-RFC 0.9 streams, which we do not speak.
    throw new StreamError('unsupported-version', 'version 1.0 is required');
  }
  const to = open.attrs.to;
  if (to === undefined) throw new StreamError('host-unknown', "the stream header needs a 'to'");
  const toJid = tryParseJid(to);
  const domain = toJid && toJid.local === '' && toJid.resource === '' ? toJid.domain : undefined;
  if (domain === undefined || !hosts.has(domain)) {
    throw new StreamError('host-unknown', 'this server does not serve ' + to);
  }
  if (authDomain !== undefined && domain !== authDomain) {
    // The authenticated identity is bound to its domain for the life of the connection.
    throw new StreamError('not-authorized', 'the domain cannot change after authentication');
  }
  const from = open.attrs.from;
  if (from !== undefined) {
    const fromJid = tryParseJid(from);
    // §4.7.1: a 'from' that is not a JID, or not the authenticated entity, is invalid-from.
    if (!fromJid) throw new StreamError('invalid-from');
    if (authJid !== undefined && fromJid.bareString() !== authJid) {
      throw new StreamError('invalid-from');
    }
  }
  return domain;
}

/**
 * XMPP addresses (RFC 7622). A Jid always holds enforced (normalized) parts, so two Jids are
 * equal exactly when their strings are equal.
 */
import { enforceDomainpart, enforceLocalpart, enforceResourcepart } from './precis.ts';

declare const bareBrand: unique symbol;
declare const fullBrand: unique symbol;

/** A Jid known to have no resource (type-level brand only). */
export type BareJid = Jid & { readonly [bareBrand]: true };
/** A Jid known to have a resource (type-level brand only). */
export type FullJid = Jid & { readonly [fullBrand]: true };

export class JidError extends Error {
  readonly part: 'localpart' | 'domainpart' | 'resourcepart' | 'jid';
  constructor(part: JidError['part'], message: string) {
    super(message);
    this.name = 'JidError';
    this.part = part;
  }
}

export class Jid {
  readonly local: string;
  readonly domain: string;
  /** '' when absent. */
  readonly resource: string;
  #full: string | undefined;

  private constructor(local: string, domain: string, resource: string) {
    this.local = local;
    this.domain = domain;
    this.resource = resource;
  }

  /** Internal: parts must already be enforced. Use parseJid / makeJid instead. */
  static fromEnforced(local: string, domain: string, resource: string): Jid {
    return new Jid(local, domain, resource);
  }

  bare(): BareJid {
    return (this.resource === '' ? this : new Jid(this.local, this.domain, '')) as BareJid;
  }

  isBare(): this is BareJid {
    return this.resource === '';
  }

  isFull(): this is FullJid {
    return this.resource !== '';
  }

  bareString(): string {
    return this.local === '' ? this.domain : `${this.local}@${this.domain}`;
  }

  toString(): string {
    if (this.#full === undefined) {
      const bare = this.bareString();
      this.#full = this.resource === '' ? bare : `${bare}/${this.resource}`;
    }
    return this.#full;
  }

  toJSON(): string {
    return this.toString();
  }

  /** Same local and domain with the given resource (enforced; throws JidError). */
  withResource(resource: string): FullJid {
    return new Jid(this.local, this.domain, requireResource(resource)) as FullJid;
  }

  equals(o: Jid): boolean {
    return this.local === o.local && this.domain === o.domain && this.resource === o.resource;
  }
}

function requireLocal(s: string): string {
  const v = enforceLocalpart(s);
  if (v === undefined) throw new JidError('localpart', 'invalid localpart');
  return v;
}

function requireDomain(s: string): string {
  const v = enforceDomainpart(s);
  if (v === undefined) throw new JidError('domainpart', 'invalid domainpart');
  return v;
}

function requireResource(s: string): string {
  const v = enforceResourcepart(s);
  if (v === undefined) throw new JidError('resourcepart', 'invalid resourcepart');
  return v;
}

/**
 * Parses and enforces a JID string. RFC 7622 §3.1: the resourcepart starts after the first
 * '/', the localpart ends at the first '@' before that; present separators need non-empty parts.
 */
export function parseJid(s: string): Jid {
  const slash = s.indexOf('/');
  const head = slash === -1 ? s : s.slice(0, slash);
  const at = head.indexOf('@');
  const local = at === -1 ? '' : requireLocal(head.slice(0, at));
  const domain = requireDomain(at === -1 ? head : head.slice(at + 1));
  const resource = slash === -1 ? '' : requireResource(s.slice(slash + 1));
  return Jid.fromEnforced(local, domain, resource);
}

/** parseJid that returns undefined instead of throwing. */
export function tryParseJid(s: string): Jid | undefined {
  try {
    return parseJid(s);
  } catch (err) {
    if (err instanceof JidError) return undefined;
    throw err;
  }
}

/** Builds a Jid from separate parts, enforcing each; '' (or omitted) means absent. */
export function makeJid(local: string, domain: string, resource = ''): Jid {
  return Jid.fromEnforced(
    local === '' ? '' : requireLocal(local),
    requireDomain(domain),
    resource === '' ? '' : requireResource(resource),
  );
}

/** Enforced localpart (e.g. a SASL username), or undefined when it cannot be one. */
export function normalizeLocalpart(s: string): string | undefined {
  return enforceLocalpart(s);
}

import type { BlockList } from 'node:net';
import { errorReply, StanzaError } from '../../errors/index.ts';
import type { SessionRef } from '../../hooks/index.ts';
import { tryParseJid } from '../../jid/index.ts';
import type { Logger } from '../../observability/logger.ts';
import { type Element, NS_CLIENT, NS_REGISTER, x } from '../../xml/index.ts';
import type { AccountWriter } from './accounts.ts';
import { ipAllowed } from './ip-access.ts';
import type { IpThrottle } from './ip-throttle.ts';
import type { RegisterOptions } from './options.ts';
import { passwordEntropy } from './password-strength.ts';

export interface PreAuthDeps {
  options: RegisterOptions;
  accounts: AccountWriter;
  throttle: IpThrottle;
  ipAccess: BlockList | undefined;
  log: Logger;
}

/** Session data key: this stream already registered an account (XEP-0077 §3.1.1). */
const REGISTERED = 'mod_register';

export interface PreAuthRequest {
  session: SessionRef;
  domain: string;
  iq: Element;
  secure: boolean;
}

/**
 * XEP-0077 §3.1: registration on a stream that is not authenticated. Returns the reply, or
 * undefined when the IQ is not a registration request (the stream then ends, RFC 6120 §6.4).
 */
export async function preAuthRegister(
  d: PreAuthDeps,
  r: PreAuthRequest,
): Promise<Element | undefined> {
  const { iq } = r;
  const query = iq.getChild('query', NS_REGISTER);
  if (!query) return undefined;
  const type = iq.attrs.type;
  if (type !== 'get' && type !== 'set') return undefined;
  try {
    // RFC 6120 §8.2.3: one payload and an id.
    if (iq.elements().length !== 1 || iq.attrs.id === undefined)
      throw new StanzaError('bad-request');
    if (iq.attrs.to !== undefined && iq.attrs.to !== r.domain) {
      throw new StanzaError('not-authorized', { text: 'authenticate first' });
    }
    if (!d.options.allow_new_accounts) throw new StanzaError('not-allowed');
    if (d.options.require_encryption && !r.secure) {
      throw new StanzaError('not-authorized', { text: 'encrypt the stream (STARTTLS) first' });
    }
    if (type === 'get') return result(iq, registrationForm(d.options.instructions));
    await register(d, r, query);
    return result(iq);
  } catch (err) {
    if (!(err instanceof StanzaError)) throw err;
    return errorReply(withoutPassword(iq), err);
  }
}

async function register(d: PreAuthDeps, r: PreAuthRequest, query: Element): Promise<void> {
  // XEP-0077 §3.2 table: a remove from someone not registered.
  if (query.getChild('remove', NS_REGISTER)) throw new StanzaError('unexpected-request');
  if (r.session.data.has(REGISTERED)) {
    // XEP-0077 §3.1.1: a second identity on one stream may be refused.
    throw new StanzaError('not-acceptable', { text: 'one account per connection' });
  }
  const ip = r.session.ip;
  if (d.ipAccess && !ipAllowed(d.ipAccess, ip)) {
    throw new StanzaError('forbidden', { text: 'registration is not allowed from this address' });
  }
  const username = query.getChildText('username', NS_REGISTER) ?? '';
  const password = query.getChildText('password', NS_REGISTER) ?? '';
  // XEP-0077 §3.1: every field is required; an empty one is not-acceptable.
  if (username === '' || password === '') {
    throw new StanzaError('not-acceptable', { text: 'username and password are required' });
  }
  const jid = tryParseJid(`${username}@${r.domain}`);
  if (!jid || jid.local === '' || jid.domain !== r.domain || jid.resource !== '') {
    throw new StanzaError('jid-malformed', { text: 'this username is not allowed' });
  }
  checkStrength(password, d.options.password_strength);
  if (!d.throttle.tryReserve(ip)) {
    throw new StanzaError('resource-constraint', {
      text: 'too many registrations from this address; try again later',
    });
  }
  let created: 'created' | 'exists';
  try {
    created = await d.accounts.create(jid.local, jid.domain, password);
  } catch (err) {
    d.throttle.release(ip);
    throw err;
  }
  if (created === 'exists') {
    d.throttle.release(ip);
    throw new StanzaError('conflict', { text: 'this username is taken' });
  }
  r.session.data.set(REGISTERED, jid.toString());
  d.log.info({ what: 'account_registered', jid: jid.toString(), ip });
}

export function checkStrength(password: string, minBits: number): void {
  if (minBits > 0 && passwordEntropy(password) < minBits) {
    throw new StanzaError('not-acceptable', { text: 'the password is too weak' });
  }
}

function registrationForm(instructions: string): Element {
  return x(
    'query',
    NS_REGISTER,
    {},
    x('instructions', NS_REGISTER, {}, instructions),
    x('username', NS_REGISTER),
    x('password', NS_REGISTER),
  );
}

function result(iq: Element, payload?: Element): Element {
  return x('iq', NS_CLIENT, { type: 'result', id: iq.attrs.id }, payload);
}

/** Errors echo the request (RFC 6120 §8.3.1) but never the password (XEP-0077 §3.3). */
export function withoutPassword(iq: Element): Element {
  const copy = iq.clone();
  for (const q of copy.getChildren('query', NS_REGISTER)) {
    q.removeChildren((e) => e.name === 'password');
  }
  return copy;
}

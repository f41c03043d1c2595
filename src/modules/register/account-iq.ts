import { StanzaError } from '../../errors/index.ts';
import type { IqRequest } from '../../iq/index.ts';
import { normalizeLocalpart } from '../../jid/index.ts';
import type { Logger } from '../../observability/logger.ts';
import type { SessionManager } from '../../sm/index.ts';
import { type Element, NS_CLIENT, NS_REGISTER, x } from '../../xml/index.ts';
import type { AccountWriter } from './accounts.ts';
import type { RegisterOptions } from './options.ts';
import { checkStrength } from './preauth.ts';

export interface AccountIqDeps {
  options: RegisterOptions;
  accounts: AccountWriter;
  sm: SessionManager;
  log: Logger;
  removeUser(user: string, domain: string): Promise<boolean>;
}

/**
 * jabber:iq:register from an authenticated user, addressed to the server or to no one (their own
 * account): the registration on file (XEP-0077 §3.1), password change (§3.3), removal (§3.2).
 */
export async function handleAccountIq(
  d: AccountIqDeps,
  req: IqRequest,
): Promise<Element | undefined> {
  if (req.payload.name !== 'query') throw new StanzaError('bad-request');
  const user = req.from.bare();
  if (!req.to.isBare() || (req.to.local !== '' && req.to.bareString() !== user.bareString())) {
    throw new StanzaError('forbidden');
  }
  if (req.type === 'get') {
    // XEP-0077 §3.1: an authenticated entity is registered; the password is not disclosed.
    return x(
      'query',
      NS_REGISTER,
      {},
      x('registered', NS_REGISTER),
      x('username', NS_REGISTER, {}, user.local),
      x('password', NS_REGISTER),
    );
  }
  if (req.payload.getChild('remove', NS_REGISTER)) return remove(d, req);
  return changePassword(d, req);
}

async function remove(d: AccountIqDeps, req: IqRequest): Promise<undefined> {
  // XEP-0077 §3.2 table: <remove/> must be alone; the operator may forbid in-band removal.
  if (req.payload.elements().length !== 1) throw new StanzaError('bad-request');
  if (!d.options.allow_remove) throw new StanzaError('not-allowed');
  const user = req.from;
  // The result must reach the client before removal closes its streams (XEP-0077 §3.2:
  // result, then <not-authorized/> stream error for every session of the account).
  d.sm
    .get(user)
    ?.send(x('iq', NS_CLIENT, { type: 'result', id: req.stanza.attrs.id, to: user.toString() }));
  await d.removeUser(user.local, user.domain);
  d.log.info({ what: 'account_removed_in_band', jid: user.bareString() });
  return undefined;
}

async function changePassword(d: AccountIqDeps, req: IqRequest): Promise<undefined> {
  const user = req.from;
  const username = req.payload.getChildText('username', NS_REGISTER);
  const password = req.payload.getChildText('password', NS_REGISTER) ?? '';
  // XEP-0077 §3.3: the error must not carry the password back.
  req.payload.removeChildren((e) => e.name === 'password');
  if (!d.options.allow_password_change) throw new StanzaError('not-allowed');
  const session = d.sm.get(user);
  if (d.options.require_encryption && session?.secure !== true) {
    throw new StanzaError('not-authorized', { text: 'the stream is not encrypted' });
  }
  if (username !== undefined && normalizeLocalpart(username) !== user.local) {
    throw new StanzaError('forbidden', { text: 'this is not your username' });
  }
  // XEP-0077 §3.3: an empty password never replaces the existing one.
  if (password === '') throw new StanzaError('bad-request', { text: 'the password is empty' });
  checkStrength(password, d.options.password_strength);
  if (!(await d.accounts.setPassword(user.local, user.domain, password))) {
    throw new StanzaError('registration-required');
  }
  d.log.info({ what: 'password_changed_in_band', jid: user.bareString() });
  return undefined;
}

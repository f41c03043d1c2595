import { Stop } from '../../hooks/index.ts';
import { NS_REGISTER, NS_REGISTER_FEATURE, x } from '../../xml/index.ts';
import { defineModule, onHook } from '../module-api.ts';
import { handleAccountIq } from './account-iq.ts';
import { buildIpAccess } from './ip-access.ts';
import { IpThrottle } from './ip-throttle.ts';
import { registerOptions } from './options.ts';
import { preAuthRegister } from './preauth.ts';

/**
 * XEP-0077 in-band registration: account creation before authentication, password change and
 * account removal after. Off unless listed in [modules] (open registration invites abuse).
 */
export const modRegister = defineModule({
  id: 'mod_register',
  summary: 'In-band registration, password change and account removal',
  xeps: [{ xep: 77, version: '2.4' }],
  options: registerOptions,
  async start(ctx) {
    const options = ctx.options;
    const accounts = ctx.accounts;
    const ipList = buildIpAccess(options.ip_access);
    const pre = {
      options,
      accounts,
      throttle: new IpThrottle(options.registration_timeout * 1000),
      ipAccess: typeof ipList === 'string' || options.ip_access.length === 0 ? undefined : ipList,
      log: ctx.log,
    };
    const acc = { options, accounts, sm: ctx.sm, log: ctx.log, removeUser: ctx.removeUser };
    const handler = (req: Parameters<typeof handleAccountIq>[1]) => handleAccountIq(acc, req);
    return {
      iq: [
        { target: 'server', ns: NS_REGISTER, handler },
        { target: 'user', ns: NS_REGISTER, handler },
      ],
      hooks: [
        onHook('c2s-preauth-features', (features, { secure }) => {
          // XEP-0077 §4: advertised only where registration can succeed.
          if (!options.allow_new_accounts || (options.require_encryption && !secure)) {
            return features;
          }
          return [...features, x('register', NS_REGISTER_FEATURE)];
        }),
        onHook('c2s-preauth-iq', async (reply, params) => {
          const answer = await preAuthRegister(pre, params);
          return answer ? new Stop(answer) : reply;
        }),
      ],
    };
  },
});

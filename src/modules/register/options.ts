import { type Infer, s } from '../../config/index.ts';
import { buildIpAccess } from './ip-access.ts';

export const registerOptions = s.object(
  {
    allow_new_accounts: s.bool({
      doc: 'Unauthenticated clients may create accounts in-band (XEP-0077 §3.1)',
      default: true,
    }),
    allow_password_change: s.bool({
      doc: 'Users may change their password in-band (XEP-0077 §3.3)',
      default: true,
    }),
    allow_remove: s.bool({
      doc: 'Users may delete their account in-band (XEP-0077 §3.2)',
      default: true,
    }),
    require_encryption: s.bool({
      doc: 'Refuse registration and password changes on unencrypted streams (XEP-0077 §9)',
      default: true,
    }),
    registration_timeout: s.int({
      doc: 'Seconds one IP address must wait between two registrations (0: no limit)',
      default: 600,
      min: 0,
      max: 30 * 86_400,
    }),
    ip_access: s.array(s.string({ doc: 'An IP address or CIDR range (10.0.0.0/8, ::1)' }), {
      doc: 'Addresses allowed to register; empty allows every address',
      default: [],
    }),
    password_strength: s.int({
      doc: 'Minimum estimated entropy of new passwords in bits (0: any non-empty password)',
      default: 0,
      min: 0,
      max: 512,
    }),
    instructions: s.string({
      doc: 'Text of the <instructions/> sent with the registration form',
      default: 'Choose a username and password to register with this server.',
    }),
  },
  {
    doc: 'In-band registration (XEP-0077)',
    check: (v, report) => {
      const bad = buildIpAccess(v.ip_access);
      if (typeof bad === 'string')
        report('ip_access', `'${bad}' is not an IP address or CIDR range`);
    },
  },
);

export type RegisterOptions = Infer<typeof registerOptions>;

import { StanzaError } from '../../errors/index.ts';
import { type Element, NS_DATA_FORMS, x } from '../../xml/index.ts';

export type Whois = 'moderators' | 'anyone';
export type AllowPm = 'anyone' | 'participants' | 'moderators' | 'none';

/** A room's configuration (XEP-0045 §10.2, the muc#roomconfig form). */
export interface RoomConfig {
  title: string;
  description: string;
  persistent: boolean;
  public: boolean;
  membersOnly: boolean;
  moderated: boolean;
  /** New occupants of a moderated room get voice (participant) rather than visitor. */
  membersByDefault: boolean;
  passwordProtected: boolean;
  password: string;
  /** Who sees occupants' real JIDs: 'moderators' = semi-anonymous, 'anyone' = non-anonymous. */
  whois: Whois;
  maxUsers: number;
  changeSubject: boolean;
  allowInvites: boolean;
  allowPm: AllowPm;
}

const FORM_TYPE = 'http://jabber.org/protocol/muc#roomconfig';
const MAX_TEXT = 1024;

/** Fills what a stored or configured value lacks with `defaults` (older rows, partial input). */
export function normalizeConfig(raw: unknown, defaults: RoomConfig): RoomConfig {
  const out = { ...defaults };
  if (typeof raw !== 'object' || raw === null) return out;
  const r = raw as Record<string, unknown>;
  for (const key of Object.keys(defaults) as (keyof RoomConfig)[]) {
    const v = r[key];
    if (typeof v === typeof defaults[key]) (out as Record<string, unknown>)[key] = v;
  }
  return out;
}

function field(
  v: string,
  type: string,
  label: string,
  values: string[],
  options?: [string, string][],
): Element {
  const f = x('field', NS_DATA_FORMS, { var: v, type, label });
  for (const [l, val] of options ?? []) {
    f.append(x('option', NS_DATA_FORMS, { label: l }, x('value', NS_DATA_FORMS, {}, val)));
  }
  for (const val of values) f.append(x('value', NS_DATA_FORMS, {}, val));
  return f;
}

const bool = (b: boolean): string[] => [b ? '1' : '0'];

/** XEP-0045 §10.2: the configuration form an owner fills in. */
export function configForm(c: RoomConfig, maxUsersCap: number): Element {
  const p = 'muc#roomconfig_';
  const sizes = [10, 20, 30, 50, 100, 200, 500, 1000].filter((n) => n < maxUsersCap);
  return x(
    'x',
    NS_DATA_FORMS,
    { type: 'form' },
    x('title', NS_DATA_FORMS, {}, 'Room configuration'),
    field('FORM_TYPE', 'hidden', '', [FORM_TYPE]),
    field(`${p}roomname`, 'text-single', 'Room title', [c.title]),
    field(`${p}roomdesc`, 'text-single', 'Room description', [c.description]),
    field(`${p}persistentroom`, 'boolean', 'Make room persistent', bool(c.persistent)),
    field(`${p}publicroom`, 'boolean', 'Make room publicly searchable', bool(c.public)),
    field(`${p}membersonly`, 'boolean', 'Make room members-only', bool(c.membersOnly)),
    field(`${p}moderatedroom`, 'boolean', 'Make room moderated', bool(c.moderated)),
    field(
      `${p}passwordprotectedroom`,
      'boolean',
      'Password required to enter',
      bool(c.passwordProtected),
    ),
    field(`${p}roomsecret`, 'text-private', 'Password', [c.password]),
    field(
      `${p}whois`,
      'list-single',
      'Who may discover real JIDs',
      [c.whois],
      [
        ['Moderators only', 'moderators'],
        ['Anyone', 'anyone'],
      ],
    ),
    field(
      `${p}maxusers`,
      'list-single',
      'Maximum number of occupants',
      [String(c.maxUsers)],
      [...sizes, maxUsersCap].map((n) => [String(n), String(n)]),
    ),
    field(
      `${p}changesubject`,
      'boolean',
      'Occupants may change the subject',
      bool(c.changeSubject),
    ),
    field(`${p}allowinvites`, 'boolean', 'Occupants may invite others', bool(c.allowInvites)),
    field(
      `${p}allowpm`,
      'list-single',
      'Who may send private messages',
      [c.allowPm],
      [
        ['Anyone', 'anyone'],
        ['Participants', 'participants'],
        ['Moderators', 'moderators'],
        ['Nobody', 'none'],
      ],
    ),
  );
}

function parseBool(v: string): boolean {
  if (v === '1' || v === 'true') return true;
  if (v === '0' || v === 'false') return false;
  throw new StanzaError('not-acceptable', { text: `not a boolean: ${v.slice(0, 20)}` });
}

function text(v: string): string {
  if (v.length > MAX_TEXT) throw new StanzaError('not-acceptable', { text: 'value too long' });
  return v;
}

/**
 * Applies a submitted muc#roomconfig form (XEP-0045 §10.2): fields absent keep their value,
 * unknown fields are ignored, invalid values refuse the whole form (not-acceptable).
 */
export function applyConfigForm(c: RoomConfig, form: Element, maxUsersCap: number): RoomConfig {
  const out = { ...c };
  for (const f of form.getChildren('field', NS_DATA_FORMS)) {
    const name = f.attrs.var ?? '';
    const values = f.getChildren('value', NS_DATA_FORMS).map((v) => v.text());
    const v = values[0] ?? '';
    switch (name.replace(/^muc#roomconfig_/, '')) {
      case 'roomname':
        out.title = text(v);
        break;
      case 'roomdesc':
        out.description = text(v);
        break;
      case 'persistentroom':
        out.persistent = parseBool(v);
        break;
      case 'publicroom':
        out.public = parseBool(v);
        break;
      case 'membersonly':
        out.membersOnly = parseBool(v);
        break;
      case 'moderatedroom':
        out.moderated = parseBool(v);
        break;
      case 'passwordprotectedroom':
        out.passwordProtected = parseBool(v);
        break;
      case 'roomsecret':
        out.password = text(v);
        break;
      case 'whois':
        if (v !== 'moderators' && v !== 'anyone') throw new StanzaError('not-acceptable');
        out.whois = v;
        break;
      case 'maxusers': {
        const n = v === 'none' ? maxUsersCap : Number.parseInt(v, 10);
        if (!Number.isInteger(n) || n < 1) throw new StanzaError('not-acceptable');
        out.maxUsers = Math.min(n, maxUsersCap);
        break;
      }
      case 'changesubject':
        out.changeSubject = parseBool(v);
        break;
      case 'allowinvites':
        out.allowInvites = parseBool(v);
        break;
      case 'allowpm':
        if (!['anyone', 'participants', 'moderators', 'none'].includes(v)) {
          throw new StanzaError('not-acceptable');
        }
        out.allowPm = v as AllowPm;
        break;
      default:
        break;
    }
  }
  if (out.passwordProtected && out.password === '') {
    throw new StanzaError('not-acceptable', { text: 'a password-protected room needs a password' });
  }
  return out;
}

/** XEP-0045 §6.4 / registrar: the disco#info features that describe a room's configuration. */
export function configFeatures(c: RoomConfig): string[] {
  return [
    c.public ? 'muc_public' : 'muc_hidden',
    c.persistent ? 'muc_persistent' : 'muc_temporary',
    c.membersOnly ? 'muc_membersonly' : 'muc_open',
    c.moderated ? 'muc_moderated' : 'muc_unmoderated',
    c.whois === 'anyone' ? 'muc_nonanonymous' : 'muc_semianonymous',
    c.passwordProtected ? 'muc_passwordprotected' : 'muc_unsecured',
  ];
}

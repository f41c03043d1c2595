import { modBlocking } from './blocking/index.ts';
import { modCarbons } from './carbons/index.ts';
import { modCsi } from './csi/index.ts';
import { modDisco } from './disco/index.ts';
import { modExtdisco } from './extdisco/index.ts';
import { modHttpUpload } from './http-upload/index.ts';
import { modLast } from './last/index.ts';
import { modMam } from './mam/index.ts';
import type { ModuleDefinition } from './module-api.ts';
import { modMuc } from './muc/index.ts';
import { modOffline } from './offline/index.ts';
import { modPep } from './pep/index.ts';
import { modPing } from './ping/index.ts';
import { modPresence } from './presence/index.ts';
import { modPrivate } from './private/index.ts';
import { modEventPusherPush } from './push/index.ts';
import { modRegister } from './register/index.ts';
import { modRoster } from './roster/index.ts';
import { modStreamManagement } from './stream-management/index.ts';
import { modTime } from './time/index.ts';
import { modVcard } from './vcard/index.ts';
import { modVersion } from './version/index.ts';

/** Every module of the project; [modules.*] picks among them. */
export const ALL_MODULES: readonly ModuleDefinition<unknown>[] = [
  modBlocking,
  modCarbons,
  modCsi,
  modDisco,
  modEventPusherPush,
  modExtdisco,
  modHttpUpload,
  modLast,
  modMam,
  modMuc,
  modOffline,
  modPep,
  modPing,
  modPresence,
  modPrivate,
  modRegister,
  modRoster,
  modStreamManagement,
  modTime,
  modVcard,
  modVersion,
] as readonly ModuleDefinition<unknown>[];

/** Enabled with default options when meerkat.toml has no [modules] table. */
export const DEFAULT_MODULES: readonly string[] = [
  'mod_blocking',
  'mod_carbons',
  'mod_csi',
  'mod_disco',
  'mod_last',
  'mod_mam',
  'mod_muc',
  'mod_offline',
  'mod_pep',
  'mod_ping',
  'mod_presence',
  'mod_private',
  'mod_roster',
  'mod_stream_management',
  'mod_time',
  'mod_vcard',
  'mod_version',
];

import type { ModuleDefinition } from './module-api.ts';
import { modPresence } from './presence/index.ts';
import { modRoster } from './roster/index.ts';

/** Every module of the project; [modules.*] picks among them. */
export const ALL_MODULES: readonly ModuleDefinition<unknown>[] = [
  modPresence,
  modRoster,
] as readonly ModuleDefinition<unknown>[];

/** Enabled with default options when meerkat.toml has no [modules] table. */
export const DEFAULT_MODULES: readonly string[] = ['mod_presence', 'mod_roster'];

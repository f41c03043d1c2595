import type { ModuleDefinition } from './module-api.ts';

/** Every module of the project; [modules.*] picks among them. */
export const ALL_MODULES: readonly ModuleDefinition<unknown>[] = [];

/** Enabled with default options when meerkat.toml has no [modules] table. */
export const DEFAULT_MODULES: readonly string[] = [];

import { type Config, loadConfig } from '../config/index.ts';
import { ALL_MODULES, DEFAULT_MODULES } from '../modules/registry.ts';

/** Loads meerkat.toml exactly as the node does, so meerkatctl and the node agree on everything. */
export function loadNodeConfig(path: string | undefined, env: NodeJS.ProcessEnv): Config {
  const moduleSchemas = Object.fromEntries(ALL_MODULES.map((m) => [m.id, m.options]));
  return loadConfig({ path, env, moduleSchemas, defaultModules: DEFAULT_MODULES });
}

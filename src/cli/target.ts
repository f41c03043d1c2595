import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { resolveCookie } from '../cluster/control/index.ts';
import type { Config } from '../config/index.ts';
import type { GlobalOptions } from './argv.ts';
import { loadNodeConfig } from './node-config.ts';

/** The node meerkatctl acts on: from the same meerkat.toml as the node, then --node/--cookie/env. */
export interface Target {
  configPath: string | undefined;
  config: Config;
  nodeName: string;
  portMin: number;
  portMax: number;
  dataDir: string;
  /** Environment for a node meerkatctl spawns: carries --node/--cookie as MEERKAT_NODE/COOKIE. */
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Read lazily: a node that never started has not generated its cookie yet. */
  cookie(): Promise<string>;
}

export function resolveTarget(options: GlobalOptions, env: NodeJS.ProcessEnv, cwd: string): Target {
  const fallback = resolve(cwd, 'meerkat.toml');
  const configPath =
    options.config !== undefined
      ? resolve(cwd, options.config)
      : existsSync(fallback)
        ? fallback
        : undefined;
  const childEnv = { ...env };
  if (options.node !== undefined) childEnv.MEERKAT_NODE = options.node;
  if (options.cookie !== undefined) childEnv.MEERKAT_COOKIE = options.cookie;
  const config = loadNodeConfig(configPath, childEnv);
  const { node, general } = config;
  return {
    configPath,
    config,
    nodeName: node.name,
    portMin: node.dist_port_min,
    portMax: node.dist_port_max,
    dataDir: resolve(cwd, general.data_dir),
    env: childEnv,
    cwd,
    cookie: () =>
      resolveCookie({
        cookie: node.cookie,
        cookieFile: node.cookie_file,
        dataDir: resolve(cwd, general.data_dir),
        env: childEnv,
        create: false,
      }),
  };
}

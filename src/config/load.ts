/**
 * Reads meerkat.toml, applies environment overrides, validates against the schema (built with
 * each module's options schema) and returns the typed configuration, or throws a ConfigError
 * listing every problem. No file: the embedded default (ARCHITECTURE.md §1).
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parse, TomlError } from 'smol-toml';
import { DEFAULT_LISTEN } from './listen-schema.ts';
import { buildConfigSchema, type ConfigSchemaOptions, type RawConfig } from './meerkat-schema.ts';
import { type Issue, validate } from './schema.ts';
import { isTable } from './schema-types.ts';

/** The validated configuration; `storage.sqlite.path` is always resolved. */
export type Config = Omit<RawConfig, 'storage'> & {
  storage: Omit<RawConfig['storage'], 'sqlite'> & { sqlite: { path: string } };
};

export class ConfigError extends Error {
  readonly issues: readonly Issue[];
  constructor(source: string, issues: readonly Issue[]) {
    const lines = issues.map((i) => `${i.path === '' ? '(root)' : i.path}: ${i.reason}`);
    super([`invalid configuration (${source}):`, ...lines].join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

export interface LoadConfigOptions extends ConfigSchemaOptions {
  /** The TOML file; absent means the embedded default (all defaults). */
  path?: string;
  /** Source of MEERKAT_NODE, MEERKAT_COOKIE, MEERKAT_DATA_DIR (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface ParseConfigOptions extends ConfigSchemaOptions {
  /** Directory for relative paths (default: cwd). */
  baseDir?: string;
  /** Name shown in errors (default "meerkat.toml"). */
  source?: string;
  env?: NodeJS.ProcessEnv;
}

export function loadConfig(opts: LoadConfigOptions): Config {
  if (opts.path === undefined) return parseConfig('', { ...opts, source: 'embedded default' });
  const file = resolve(opts.path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConfigError(file, [{ path: '', reason: `cannot read the file: ${reason}` }]);
  }
  return parseConfig(text, { ...opts, baseDir: dirname(file), source: file });
}

/** Like loadConfig, from TOML text (tests, `meerkatctl check-config`). */
export function parseConfig(text: string, opts: ParseConfigOptions): Config {
  const source = opts.source ?? 'meerkat.toml';
  let raw: Record<string, unknown>;
  try {
    raw = parse(text, { unsafeKeyBehaviour: 'throw' });
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    const message = err.message.split('\n')[0].replace(/^Invalid TOML document: /, '');
    const where = `${basename(source)}:${err.line}:${err.column}`;
    throw new ConfigError(source, [
      {
        path: where,
        reason: `TOML syntax error at line ${err.line}, column ${err.column}: ${message}`,
      },
    ]);
  }
  const fromEnv = applyEnv(raw, opts.env ?? process.env);
  if (raw.listen === undefined) raw.listen = structuredClone(DEFAULT_LISTEN);
  const result = validate(buildConfigSchema(opts), raw, '', { baseDir: opts.baseDir });
  if (!result.ok) {
    const issues = result.issues.map((i) =>
      fromEnv.has(i.path) ? { ...i, reason: `${i.reason} (from ${fromEnv.get(i.path)})` } : i,
    );
    throw new ConfigError(source, issues);
  }
  const config = result.value;
  const sqlitePath = config.storage.sqlite.path ?? join(config.general.data_dir, 'meerkat.db');
  return { ...config, storage: { ...config.storage, sqlite: { path: sqlitePath } } };
}

const ENV_OVERRIDES = [
  { name: 'MEERKAT_NODE', section: 'node', key: 'name' },
  { name: 'MEERKAT_COOKIE', section: 'node', key: 'cookie' },
  { name: 'MEERKAT_DATA_DIR', section: 'general', key: 'data_dir' },
] as const;

/** Writes env overrides into the raw table; returns config path → env var name, for errors. */
function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Map<string, string> {
  const applied = new Map<string, string>();
  for (const { name, section, key } of ENV_OVERRIDES) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    const table = raw[section] ?? {};
    // A non-table section is reported by validation; don't hide that error.
    if (!isTable(table)) continue;
    raw[section] = table;
    // Relative paths given on the command line mean "from where I am", not from the file.
    table[key] = key === 'data_dir' ? resolve(value) : value;
    if (name === 'MEERKAT_COOKIE') delete table.cookie_file;
    applied.set(`${section}.${key}`, name);
  }
  return applied;
}

export { renderConfigDocs } from './docs.ts';
export {
  type Config,
  ConfigError,
  type LoadConfigOptions,
  loadConfig,
  type ParseConfigOptions,
  parseConfig,
} from './load.ts';
export { buildConfigSchema, type ConfigSchemaOptions, type RawConfig } from './meerkat-schema.ts';
export type { ModulesConfig } from './modules-schema.ts';
export {
  describeSchema,
  type Infer,
  type InferFields,
  type Issue,
  type Schema,
  type SchemaRow,
  s,
  type ValidateOptions,
  type ValidationResult,
  validate,
} from './schema.ts';

/**
 * A small typed schema library for configuration: builders (`s.int`, `s.object`...), `validate`
 * that collects every problem with its path, and `describeSchema` for generated docs.
 * Every option carries a one-line doc and a default (STYLE.md, convention 8).
 */
import { array, object, oneOf, optional, record } from './schema-compound.ts';
import { bool, int, literal, number, path, string } from './schema-scalars.ts';
import { INVALID, type Issue, joinPath, type ParseContext, type Schema } from './schema-types.ts';

export type { InferFields, OptionalSchema, Report } from './schema-compound.ts';
export type { Infer, Issue, Schema, SchemaKind } from './schema-types.ts';

export const s = {
  string,
  int,
  number,
  bool,
  path,
  literal,
  array,
  object,
  record,
  optional,
  oneOf,
};

export type ValidationResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly issues: readonly Issue[] };

export interface ValidateOptions {
  /** Directory for resolving relative `s.path()` values (default: the process's cwd). */
  baseDir?: string;
}

/**
 * Checks `value` against `schema`, filling defaults for missing keys. Collects ALL issues;
 * `path` prefixes every issue path (e.g. `modules.mod_ping`).
 */
export function validate<T>(
  schema: Schema<T>,
  value: unknown,
  path = '',
  opts: ValidateOptions = {},
): ValidationResult<T> {
  const ctx: ParseContext = { issues: [], baseDir: opts.baseDir ?? process.cwd() };
  const parsed = value === undefined ? schema.missing(path, ctx) : schema.parse(value, path, ctx);
  if (parsed === INVALID || ctx.issues.length > 0) return { ok: false, issues: ctx.issues };
  return { ok: true, value: parsed };
}

/** One documented key: `listen.c2s[].port`, `shaper.<name>.max_rate`. */
export interface SchemaRow {
  readonly key: string;
  readonly type: string;
  readonly default: string;
  readonly doc: string;
}

/** Flattens a schema into documentation rows, parents before children. */
export function describeSchema(schema: Schema<unknown>, prefix = ''): SchemaRow[] {
  const rows: SchemaRow[] = [];
  const target = schema.kind === 'optional' && schema.inner ? schema.inner : schema;
  if (target.kind === 'object' && target.fields) {
    for (const [key, field] of Object.entries(target.fields)) {
      const at = joinPath(prefix, key);
      rows.push({ key: at, type: field.label, default: field.defaultText, doc: field.doc });
      rows.push(...describeSchema(field, at));
    }
  } else if (target.kind === 'array' && target.inner) {
    rows.push(...describeSchema(target.inner, `${prefix}[]`));
  } else if (target.kind === 'record' && target.inner) {
    rows.push(...describeSchema(target.inner, joinPath(prefix, '<name>')));
  }
  return rows;
}

/**
 * The core types of the configuration schema library: a schema knows how to parse a raw TOML value
 * into a typed value (collecting every problem instead of stopping at the first), what to use
 * when the key is absent, and how to describe itself for the generated docs.
 */

/** One problem found while validating: where (`listen.c2s[0].port`) and why. */
export interface Issue {
  readonly path: string;
  readonly reason: string;
}

/** Returned by `parse` when the value is unusable; the reason is already in `ctx.issues`. */
export const INVALID: unique symbol = Symbol('invalid');
export type Parsed<T> = T | typeof INVALID;

export interface ParseContext {
  readonly issues: Issue[];
  /** Directory that relative `s.path()` values are resolved against. */
  readonly baseDir: string;
}

export type SchemaKind =
  | 'string'
  | 'int'
  | 'number'
  | 'bool'
  | 'path'
  | 'literal'
  | 'array'
  | 'object'
  | 'record'
  | 'optional'
  | 'oneOf';

declare const OUTPUT: unique symbol;

export interface Schema<T> {
  /** Phantom member carrying the output type for `Infer`; never set at run time. */
  readonly [OUTPUT]?: T;
  readonly kind: SchemaKind;
  /** One line saying what the option does. */
  readonly doc: string;
  /** Human description of accepted values, used in docs ("integer between 1 and 65535"). */
  readonly label: string;
  /** Default as shown in the docs: a TOML-like literal, "unset" or "required". */
  readonly defaultText: string;
  /** Fields of an object schema (for docs and unknown-key suggestions). */
  readonly fields?: Readonly<Record<string, Schema<unknown>>>;
  /** Item of an array, value of a record, inner schema of an optional. */
  readonly inner?: Schema<unknown>;
  parse(input: unknown, path: string, ctx: ParseContext): Parsed<T>;
  /** Value when the key is absent: the default, `undefined` for optionals, or an issue. */
  missing(path: string, ctx: ParseContext): Parsed<T>;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

export function joinPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

export function fail(ctx: ParseContext, path: string, reason: string): typeof INVALID {
  ctx.issues.push({ path, reason });
  return INVALID;
}

/** A short rendering of a bad value for error messages: `"abc"`, `12`, `a table`. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 37)}...` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a date';
  if (value === undefined) return 'nothing';
  if (typeof value === 'object' && value !== null) {
    // smol-toml returns TomlDate (a Date subclass) for dates; other objects are tables.
    return 'a table';
  }
  return typeof value;
}

export function isTable(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)
  );
}

/** A TOML-like literal of a default value for the docs. */
export function literalText(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(literalText).join(', ')}]`;
  if (isTable(value)) {
    const parts = Object.entries(value).map(([k, v]) => `${k} = ${literalText(v)}`);
    if (parts.length === 0) return '{}';
    return `{ ${parts.join(', ')} }`;
  }
  return String(value);
}

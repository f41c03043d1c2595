import {
  describeValue,
  fail,
  INVALID,
  type Infer,
  isTable,
  joinPath,
  literalText,
  type ParseContext,
  type Parsed,
  type Schema,
} from './schema-types.ts';
import { unknownKeyReason } from './suggest.ts';

type Fields = Record<string, Schema<unknown>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
type OptionalKeys<F extends Fields> = {
  [K in keyof F]: F[K] extends OptionalSchema<unknown> ? K : never;
}[keyof F];

/** `{ a: s.int(...), b: s.optional(s.string(...)) }` → `{ a: number; b?: string }`. */
export type InferFields<F extends Fields> = Simplify<
  { [K in Exclude<keyof F, OptionalKeys<F>>]: Infer<F[K]> } & {
    [K in OptionalKeys<F>]?: Infer<F[K]>;
  }
>;

/** Reports a cross-field problem at a path relative to the object being checked. */
export type Report = (relativePath: string, reason: string) => void;

export interface ObjectOptions<T> {
  doc: string;
  /** Cross-field rules, run only when every field is individually valid. */
  check?: (value: T, report: Report) => void;
}

export function object<F extends Fields>(
  fields: F,
  opts: ObjectOptions<InferFields<F>>,
): Schema<InferFields<F>> {
  const known = Object.keys(fields);
  const schema: Schema<InferFields<F>> = {
    kind: 'object',
    doc: opts.doc,
    label: 'table',
    defaultText: '',
    fields,
    parse(input, path, ctx) {
      if (!isTable(input)) return fail(ctx, path, `expected a table, got ${describeValue(input)}`);
      let valid = true;
      for (const key of Object.keys(input)) {
        if (!Object.hasOwn(fields, key)) {
          fail(ctx, joinPath(path, key), unknownKeyReason(key, known));
          valid = false;
        }
      }
      const out: Record<string, unknown> = {};
      for (const [key, field] of Object.entries(fields)) {
        const at = joinPath(path, key);
        const raw = Object.hasOwn(input, key) ? input[key] : undefined;
        const value = raw === undefined ? field.missing(at, ctx) : field.parse(raw, at, ctx);
        if (value === INVALID) valid = false;
        else if (value !== undefined) out[key] = value;
      }
      if (!valid) return INVALID;
      const typed = out as InferFields<F>;
      return runCheck(typed, path, ctx, opts.check) ? typed : INVALID;
    },
    missing(path, ctx) {
      return schema.parse({}, path, ctx);
    },
  };
  return schema;
}

function runCheck<T>(
  value: T,
  path: string,
  ctx: ParseContext,
  check: ((value: T, report: Report) => void) | undefined,
): boolean {
  if (check === undefined) return true;
  let ok = true;
  check(value, (relative, reason) => {
    ok = false;
    ctx.issues.push({ path: joinPath(path, relative), reason });
  });
  return ok;
}

export interface ArrayOptions {
  doc: string;
  /** Raw (TOML-shaped) default, parsed through the item schema so nested defaults apply. */
  default?: readonly unknown[];
  minItems?: number;
}

export function array<T>(item: Schema<T>, opts: ArrayOptions): Schema<T[]> {
  const schema: Schema<T[]> = {
    kind: 'array',
    doc: opts.doc,
    label: item.kind === 'object' ? 'array of tables' : `array, each ${item.label}`,
    defaultText: opts.default === undefined ? 'required' : literalText(opts.default),
    inner: item,
    parse(input, path, ctx) {
      if (!Array.isArray(input)) {
        return fail(ctx, path, `expected an array, got ${describeValue(input)}`);
      }
      if (opts.minItems !== undefined && input.length < opts.minItems) {
        return fail(ctx, path, `expected at least ${opts.minItems} item(s), got ${input.length}`);
      }
      const out: T[] = [];
      let valid = true;
      input.forEach((raw, i) => {
        const value = item.parse(raw, `${path}[${i}]`, ctx);
        if (value === INVALID) valid = false;
        else out.push(value);
      });
      return valid ? out : INVALID;
    },
    missing(path, ctx): Parsed<T[]> {
      if (opts.default === undefined) return fail(ctx, path, 'required key is missing');
      return schema.parse(opts.default, path, ctx);
    },
  };
  return schema;
}

export interface RecordOptions {
  doc: string;
  /** Raw default used when the whole table is absent; `{}` when not given. */
  default?: Readonly<Record<string, unknown>>;
  /** Allowed names, e.g. /^[a-z0-9_]+$/, with a hint for errors. */
  keyPattern?: RegExp;
  keyHint?: string;
}

/** A table of user-named entries with the same shape (`[shaper.NAME]`). */
export function record<T>(value: Schema<T>, opts: RecordOptions): Schema<Record<string, T>> {
  const schema: Schema<Record<string, T>> = {
    kind: 'record',
    doc: opts.doc,
    label: value.kind === 'object' ? 'table of tables' : `table, each ${value.label}`,
    defaultText: literalText(opts.default ?? {}),
    inner: value,
    parse(input, path, ctx) {
      if (!isTable(input)) return fail(ctx, path, `expected a table, got ${describeValue(input)}`);
      const out: Record<string, T> = {};
      let valid = true;
      for (const [key, raw] of Object.entries(input)) {
        const at = joinPath(path, key);
        if (opts.keyPattern !== undefined && !opts.keyPattern.test(key)) {
          fail(ctx, at, `invalid name, expected ${opts.keyHint ?? opts.keyPattern}`);
          valid = false;
          continue;
        }
        const parsed = value.parse(raw, at, ctx);
        if (parsed === INVALID) valid = false;
        else out[key] = parsed;
      }
      return valid ? out : INVALID;
    },
    missing(path, ctx) {
      return schema.parse(opts.default ?? {}, path, ctx);
    },
  };
  return schema;
}

export interface OptionalSchema<T> extends Schema<T | undefined> {
  readonly kind: 'optional';
}

/** A key that may be absent (no default): its value is `undefined` then. */
export function optional<T>(inner: Schema<T>): OptionalSchema<T> {
  return {
    kind: 'optional',
    doc: inner.doc,
    label: inner.label,
    defaultText: 'unset',
    fields: inner.fields,
    inner,
    parse: (input, path, ctx) => inner.parse(input, path, ctx),
    missing: () => undefined,
  };
}

type Union<S extends readonly Schema<unknown>[]> = Infer<S[number]>;

export interface OneOfOptions<T> {
  doc: string;
  default?: T;
}

/** The first alternative that accepts the value wins (`"/ws"` or `false`). */
export function oneOf<const S extends readonly Schema<unknown>[]>(
  alternatives: S,
  opts: OneOfOptions<Union<S>>,
): Schema<Union<S>> {
  const label = alternatives.map((a) => a.label).join(' or ');
  const schema: Schema<Union<S>> = {
    kind: 'oneOf',
    doc: opts.doc,
    label,
    defaultText: opts.default === undefined ? 'required' : literalText(opts.default),
    parse(input, path, ctx) {
      for (const alternative of alternatives) {
        const scratch: ParseContext = { issues: [], baseDir: ctx.baseDir };
        const value = alternative.parse(input, path, scratch);
        if (value !== INVALID) return value as Union<S>;
      }
      return fail(ctx, path, `expected ${label}, got ${describeValue(input)}`);
    },
    missing(path, ctx) {
      if (opts.default === undefined) return fail(ctx, path, 'required key is missing');
      return schema.parse(opts.default, path, ctx);
    },
  };
  return schema;
}

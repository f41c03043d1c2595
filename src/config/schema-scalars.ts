import { isAbsolute, resolve } from 'node:path';
import {
  describeValue,
  fail,
  literalText,
  type ParseContext,
  type Parsed,
  type Schema,
} from './schema-types.ts';

interface ScalarOptions<T> {
  doc: string;
  default?: T;
}

/** Shared shape of scalar schemas: `check` returns a reason when the value is rejected. */
function scalar<T>(
  kind: Schema<T>['kind'],
  label: string,
  opts: ScalarOptions<T>,
  check: (
    value: unknown,
    ctx: ParseContext,
  ) => { ok: true; value: T } | { ok: false; reason: string },
): Schema<T> {
  const schema: Schema<T> = {
    kind,
    doc: opts.doc,
    label,
    defaultText: opts.default === undefined ? 'required' : literalText(opts.default),
    parse(input, path, ctx) {
      const result = check(input, ctx);
      return result.ok ? result.value : fail(ctx, path, result.reason);
    },
    missing(path, ctx): Parsed<T> {
      if (opts.default === undefined) return fail(ctx, path, 'required key is missing');
      return schema.parse(opts.default, path, ctx);
    },
  };
  return schema;
}

function rangeText(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return ` between ${min} and ${max}`;
  if (min !== undefined) return ` >= ${min}`;
  if (max !== undefined) return ` <= ${max}`;
  return '';
}

export interface NumberOptions extends ScalarOptions<number> {
  min?: number;
  max?: number;
}

function numeric(kind: 'int' | 'number', opts: NumberOptions): Schema<number> {
  const label = `${kind === 'int' ? 'integer' : 'number'}${rangeText(opts.min, opts.max)}`;
  const article = kind === 'int' ? 'an' : 'a';
  return scalar(kind, label, opts, (value) => {
    const ok =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      (kind === 'number' || Number.isInteger(value)) &&
      (opts.min === undefined || value >= opts.min) &&
      (opts.max === undefined || value <= opts.max);
    if (ok) return { ok: true, value };
    return { ok: false, reason: `expected ${article} ${label}, got ${describeValue(value)}` };
  });
}

export function int(opts: NumberOptions): Schema<number> {
  return numeric('int', opts);
}

export function number(opts: NumberOptions): Schema<number> {
  return numeric('number', opts);
}

export function bool(opts: ScalarOptions<boolean>): Schema<boolean> {
  return scalar('bool', 'boolean', opts, (value) =>
    typeof value === 'boolean'
      ? { ok: true, value }
      : { ok: false, reason: `expected true or false, got ${describeValue(value)}` },
  );
}

export interface StringOptions<T extends string = string> extends ScalarOptions<T> {
  /** Values must match; `patternHint` names the expected form in errors ("name@host"). */
  pattern?: RegExp;
  patternHint?: string;
  /** Reject the empty string. */
  nonEmpty?: boolean;
}

export function string<const E extends readonly string[]>(
  opts: StringOptions<E[number]> & { enum: E },
): Schema<E[number]>;
export function string(opts: StringOptions): Schema<string>;
export function string(opts: StringOptions & { enum?: readonly string[] }): Schema<string> {
  const allowed = opts.enum;
  const label =
    allowed !== undefined
      ? allowed.map((v) => JSON.stringify(v)).join(' | ')
      : (opts.patternHint ?? (opts.nonEmpty ? 'non-empty string' : 'string'));
  return scalar('string', label, opts, (value) => {
    const got = describeValue(value);
    if (typeof value !== 'string') return { ok: false, reason: `expected a string, got ${got}` };
    if (allowed !== undefined && !allowed.includes(value)) {
      return { ok: false, reason: `expected one of ${allowed.join(', ')}, got ${got}` };
    }
    if (opts.nonEmpty && value === '') {
      return { ok: false, reason: 'expected a non-empty string, got ""' };
    }
    if (opts.pattern !== undefined && !opts.pattern.test(value)) {
      return {
        ok: false,
        reason: `expected ${opts.patternHint ?? String(opts.pattern)}, got ${got}`,
      };
    }
    return { ok: true, value };
  });
}

/** A file system path; a relative one is resolved against the config file's directory. */
export function path(opts: ScalarOptions<string>): Schema<string> {
  return scalar('path', 'path', opts, (value, ctx) => {
    if (typeof value !== 'string' || value === '') {
      return { ok: false, reason: `expected a non-empty path, got ${describeValue(value)}` };
    }
    return { ok: true, value: isAbsolute(value) ? value : resolve(ctx.baseDir, value) };
  });
}

/** Exactly one value, e.g. `false` in "a path, or false to disable". */
export function literal<const V extends string | number | boolean>(
  value: V,
  opts: ScalarOptions<V>,
): Schema<V> {
  return scalar('literal', literalText(value), opts, (input) =>
    input === value
      ? { ok: true, value }
      : { ok: false, reason: `expected ${literalText(value)}, got ${describeValue(input)}` },
  );
}

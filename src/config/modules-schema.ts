/**
 * `[modules.mod_x]`: each module validates its own table with the schema it declares
 * (ModuleDefinition.options). A module listed in the file is enabled; `enabled = false` keeps
 * its table (still validated, so a typo is caught) but leaves it off.
 */

import { describeValue, fail, INVALID, isTable, joinPath, type Schema } from './schema-types.ts';
import { unknownKeyReason } from './suggest.ts';

/** Options of each enabled module by id, already validated by that module's schema. */
export type ModulesConfig = Record<string, unknown>;

export function modulesSchema(
  moduleSchemas: Readonly<Record<string, Schema<unknown>>>,
  defaultModules: readonly string[],
): Schema<ModulesConfig> {
  const known = Object.keys(moduleSchemas).sort();
  const schema: Schema<ModulesConfig> = {
    kind: 'record',
    doc: 'One table per enabled module, holding its options; `enabled = false` turns one off',
    label: 'table of module tables',
    defaultText: defaultModules.length === 0 ? '{}' : defaultModules.join(', '),
    parse(input, path, ctx) {
      if (!isTable(input)) return fail(ctx, path, `expected a table, got ${describeValue(input)}`);
      const out: ModulesConfig = {};
      let valid = true;
      for (const [id, raw] of Object.entries(input)) {
        const at = joinPath(path, id);
        const moduleSchema = Object.hasOwn(moduleSchemas, id) ? moduleSchemas[id] : undefined;
        if (moduleSchema === undefined) {
          fail(ctx, at, unknownKeyReason(id, known, 'module', 'known modules'));
          valid = false;
          continue;
        }
        if (!isTable(raw)) {
          fail(ctx, at, `expected a table, got ${describeValue(raw)}`);
          valid = false;
          continue;
        }
        const { enabled = true, ...options } = raw;
        if (typeof enabled !== 'boolean') {
          fail(
            ctx,
            joinPath(at, 'enabled'),
            `expected true or false, got ${describeValue(enabled)}`,
          );
          valid = false;
        }
        const parsed = moduleSchema.parse(options, at, ctx);
        if (parsed === INVALID) valid = false;
        else if (enabled === true) out[id] = parsed;
      }
      return valid ? out : INVALID;
    },
    missing(path, ctx) {
      return schema.parse(Object.fromEntries(defaultModules.map((id) => [id, {}])), path, ctx);
    },
  };
  return schema;
}

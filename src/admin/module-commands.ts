import type { ModuleCommand } from '../modules/module-api.ts';
import {
  type CommandDefinition,
  CommandError,
  type CommandRegistry,
  defineCommand,
} from './command-registry.ts';

/**
 * Operator commands of the enabled modules (offline_count, delete_offline...) as command
 * definitions, so the node's control port serves them like the core's own.
 */
export function moduleCommandDefinitions(cmds: readonly ModuleCommand[]): CommandDefinition[] {
  return cmds.map((c) =>
    defineCommand({
      name: c.name,
      group: 'modules',
      summary: c.summary,
      args: c.args.map((a) => ({ name: a.name, doc: a.doc })),
      readOnly: false,
      async run(_services, args) {
        try {
          return await c.run([...args]);
        } catch (err) {
          throw new CommandError((err as Error).message);
        }
      },
    }),
  );
}

/**
 * The core registry plus the module commands known at the time of the call: the control port
 * starts before the modules do (so `status` can answer "starting").
 */
export function withModuleCommands(
  core: CommandRegistry,
  moduleCommands: () => readonly ModuleCommand[],
): CommandRegistry {
  const modules = () => moduleCommandDefinitions(moduleCommands());
  return {
    get: (name) => core.get(name) ?? modules().find((d) => d.name === name),
    list: () => [...core.list(), ...modules()],
  };
}

import { createCommandRegistry } from './command-registry.ts';
import { accountCommands } from './commands/account.ts';
import { clusterCommands } from './commands/cluster.ts';
import { drainCommands } from './commands/drain.ts';
import { serverCommands } from './commands/server.ts';
import { sessionCommands } from './commands/session.ts';

export * from './command-registry.ts';
export type * from './services.ts';

/** Every command a node answers on its control port (and later on the HTTP admin API). */
export function createAdminRegistry() {
  return createCommandRegistry([
    ...serverCommands,
    ...drainCommands,
    ...accountCommands,
    ...sessionCommands,
    ...clusterCommands,
  ]);
}

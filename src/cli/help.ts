import { type ArgSpec, type CommandRegistry, usageLine } from '../admin/command-registry.ts';
import { LOCAL_COMMANDS } from './lifecycle-specs.ts';

export const USAGE =
  'Usage: meerkatctl [--config PATH] [--node NAME] [--cookie COOKIE] [--json] [--timeout S] [-f] COMMAND [ARGS...]';

const GROUP_TITLES: Record<string, string> = {
  lifecycle: 'Node lifecycle',
  accounts: 'Accounts',
  sessions: 'Sessions',
  cluster: 'Cluster',
};

/** Node-to-node commands: callable over the control port, not listed for operators. */
const HIDDEN_GROUPS = new Set(['internal']);

interface Described {
  name: string;
  group: string;
  summary: string;
  args: readonly ArgSpec[];
}

export function allCommands(registry: CommandRegistry): Described[] {
  const local = new Set(LOCAL_COMMANDS.map((c) => c.name));
  return [...LOCAL_COMMANDS, ...registry.list().filter((c) => !local.has(c.name))];
}

export function findCommand(registry: CommandRegistry, name: string): Described | undefined {
  return allCommands(registry).find((c) => c.name === name);
}

export function commandList(registry: CommandRegistry): string {
  const commands = allCommands(registry).filter((c) => !HIDDEN_GROUPS.has(c.group));
  const width = Math.max(...commands.map((c) => usageLine(c).length)) + 2;
  const groups = [...new Set(commands.map((c) => c.group))];
  const sections = groups.map((g) => {
    const rows = commands
      .filter((c) => c.group === g)
      .map((c) => `  ${usageLine(c).padEnd(width)}${c.summary}`);
    return [`${GROUP_TITLES[g] ?? g}:`, ...rows].join('\n');
  });
  return [
    USAGE,
    '',
    ...sections.flatMap((s) => [s, '']),
    "Run 'meerkatctl help COMMAND' for a command's arguments.",
    'Exit codes: 0 ok, 1 error, 2 usage (unknown command, wrong arguments), 3 node not reachable.',
  ].join('\n');
}

export function commandHelp(cmd: Described): string {
  const lines = [`Usage: meerkatctl ${usageLine(cmd)}`, '', cmd.summary];
  if (cmd.args.length > 0) {
    const width = Math.max(...cmd.args.map((a) => a.name.length)) + 2;
    lines.push('', 'Arguments:', ...cmd.args.map((a) => `  ${a.name.padEnd(width)}${a.doc}`));
  }
  return lines.join('\n');
}

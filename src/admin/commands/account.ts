import { hostArg, passwordArg, userArg } from '../args.ts';
import { CommandError, defineCommand } from '../command-registry.ts';
import type { AccountAdmin } from '../services.ts';

function requireHost(accounts: AccountAdmin, host: string): void {
  const hosts = accounts.hosts();
  if (!hosts.includes(host)) {
    throw new CommandError(`Unknown host '${host}' (this node serves: ${hosts.join(', ')})`);
  }
}

export const register = defineCommand({
  name: 'register',
  group: 'accounts',
  summary: 'Create an account',
  args: [userArg(), hostArg(), passwordArg()],
  readOnly: false,
  async run({ accounts }, [user, host, password]) {
    requireHost(accounts, host!);
    const result = await accounts.register(user!, host!, password!);
    if (result === 'exists') throw new CommandError(`User ${user}@${host} already registered`);
    return { text: `User ${user}@${host} successfully registered`, json: { result: 'created' } };
  },
});

export const unregister = defineCommand({
  name: 'unregister',
  group: 'accounts',
  summary: 'Delete an account and its data',
  args: [userArg(), hostArg()],
  readOnly: false,
  async run({ accounts }, [user, host]) {
    requireHost(accounts, host!);
    if (!(await accounts.unregister(user!, host!))) {
      throw new CommandError(`User ${user}@${host} does not exist`);
    }
    return { text: `User ${user}@${host} successfully unregistered`, json: { result: 'deleted' } };
  },
});

export const changePassword = defineCommand({
  name: 'change_password',
  group: 'accounts',
  summary: "Set a new password for an account (NEWPASS '-' reads it from stdin)",
  args: [userArg(), hostArg(), passwordArg('NEWPASS')],
  readOnly: false,
  async run({ accounts }, [user, host, password]) {
    requireHost(accounts, host!);
    if (!(await accounts.changePassword(user!, host!, password!))) {
      throw new CommandError(`User ${user}@${host} does not exist`);
    }
    return { text: `Password changed for ${user}@${host}`, json: { result: 'changed' } };
  },
});

export const checkAccount = defineCommand({
  name: 'check_account',
  group: 'accounts',
  summary: 'Check that an account exists (exit 0 if it does, 1 if not)',
  args: [userArg(), hostArg()],
  readOnly: true,
  async run({ accounts }, [user, host]) {
    requireHost(accounts, host!);
    const exists = await accounts.exists(user!, host!);
    return {
      text: exists ? `User ${user}@${host} exists` : `User ${user}@${host} does not exist`,
      json: { exists },
      exitCode: exists ? 0 : 1,
    };
  },
});

export const checkPassword = defineCommand({
  name: 'check_password',
  group: 'accounts',
  summary: "Check an account's password (exit 0 if right, 1 if wrong; PASS '-' reads stdin)",
  args: [userArg(), hostArg(), passwordArg('PASS')],
  readOnly: true,
  async run({ accounts }, [user, host, password]) {
    requireHost(accounts, host!);
    const ok = await accounts.checkPassword(user!, host!, password!);
    return {
      text: ok ? 'Password is correct' : `Password is wrong or user ${user}@${host} does not exist`,
      json: { correct: ok },
      exitCode: ok ? 0 : 1,
    };
  },
});

export const registeredUsers = defineCommand({
  name: 'registered_users',
  group: 'accounts',
  summary: 'List the accounts of a host, one user name a line',
  args: [hostArg()],
  readOnly: true,
  async run({ accounts }, [host]) {
    requireHost(accounts, host!);
    const users = await accounts.list(host!);
    return { text: users.join('\n'), json: users };
  },
});

export const accountCommands = [
  register,
  unregister,
  changePassword,
  checkAccount,
  checkPassword,
  registeredUsers,
];

import { createAccountStore } from '../../auth/account-store.sql.ts';
import { deriveAccountSecrets } from '../../auth/scram.ts';
import type { SqlDb } from '../../storage/index.ts';

/** The account writes in-band registration needs; passwords become SCRAM secrets at once. */
export interface AccountWriter {
  create(user: string, domain: string, password: string): Promise<'created' | 'exists'>;
  setPassword(user: string, domain: string, password: string): Promise<boolean>;
}

/**
 * Over the node's account store (same database and table). ModuleContext offers no account
 * writes yet, hence the store opened here and the iteration count as a module option.
 */
export async function createAccountWriter(db: SqlDb, iterations: number): Promise<AccountWriter> {
  const store = await createAccountStore(db);
  return {
    async create(user, domain, password) {
      return store.create(user, domain, await deriveAccountSecrets(password, iterations));
    },
    async setPassword(user, domain, password) {
      return store.setSecrets(user, domain, await deriveAccountSecrets(password, iterations));
    },
  };
}

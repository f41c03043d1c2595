import { randomBytes } from 'node:crypto';
import pg from 'pg';

const ADMIN_URL =
  process.env.MEERKAT_TEST_PG_URL ?? 'postgres://meerkat:meerkat@127.0.0.1:55432/meerkat';

/** A fresh database on the test PostgreSQL (a cluster's nodes share it); dropped by dispose(). */
export async function createTestDatabase(): Promise<{ url: string; dispose(): Promise<void> }> {
  const name = `mk_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async dispose() {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

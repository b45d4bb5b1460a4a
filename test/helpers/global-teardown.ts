import { rmSync } from 'node:fs';
import pg from 'pg';

/** Removes what this run left: the template directory and every PostgreSQL schema named after the run. */
export default async function globalTeardown(): Promise<void> {
  if (process.env.SOPFLOW_TEST_RUN_DIR) rmSync(process.env.SOPFLOW_TEST_RUN_DIR, { recursive: true, force: true });
  const url = process.env.SOPFLOW_TEST_PG_URL;
  if (!url || !process.env.SOPFLOW_TEST_RUN_ID) return;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>('SELECT nspname AS name FROM pg_namespace WHERE nspname LIKE $1', [
      `t\\_${process.env.SOPFLOW_TEST_RUN_ID}\\_%`,
    ]);
    for (const { name } of rows) await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
  } finally {
    await client.end();
  }
}

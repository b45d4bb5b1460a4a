import pg from 'pg';

/**
 * Finds out once, before any test file runs, whether PostgreSQL answers; workers inherit the verdict.
 * NOTE: jest loads this file outside its module mapper, so it cannot import `./postgres.js` (a .ts file) as
 * the tests and the benchmark do: its own few lines ask the same question.
 * Where it does not, PostgreSQL tests skip with a message, except in CI (CI=true), where they fail.
 */
export default async function globalSetup(): Promise<void> {
  const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    process.env.SOPFLOW_TEST_PG_URL = url;
  } catch (error) {
    process.env.SOPFLOW_TEST_PG_DOWN = `${url}: ${(error as Error).message}`;
    process.stderr.write(`\n⚠ PostgreSQL is not reachable (${process.env.SOPFLOW_TEST_PG_DOWN}); its tests will be SKIPPED${process.env.CI ? ' — and fail, because CI=true' : ''}.\n\n`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

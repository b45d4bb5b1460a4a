import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * Runs once before any test file; workers inherit the environment it sets.
 * - Whether PostgreSQL answers. Where it does not, PostgreSQL tests skip with a message, except in CI
 *   (CI=true), where they fail.
 * - A directory and an id for this run: the database templates (test/helpers/templates.ts) are built there
 *   and the PostgreSQL schemas named after it, for global-teardown to remove.
 * NOTE: jest loads this file outside its module mapper, so it cannot import `./postgres.js` (a .ts file) as
 * the tests and the benchmark do: its own few lines ask the same question.
 */
export default async function globalSetup(): Promise<void> {
  process.env.SOPFLOW_TEST_RUN_DIR = mkdtempSync(join(tmpdir(), 'sopflow-run-'));
  process.env.SOPFLOW_TEST_RUN_ID = randomBytes(4).toString('hex');
  const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    process.env.SOPFLOW_TEST_PG_URL = url;
  } catch (error) {
    process.env.SOPFLOW_TEST_PG_DOWN = `${url}: ${(error as Error).message}`;
    process.stderr.write(
      `\n⚠ PostgreSQL is not reachable (${process.env.SOPFLOW_TEST_PG_DOWN}); its tests will be SKIPPED${process.env.CI ? ' — and fail, because CI=true' : ''}.\n\n`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

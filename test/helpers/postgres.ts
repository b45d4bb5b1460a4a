import pg from 'pg';

/** The machine's PostgreSQL, as CI runs it: tests and the benchmark use it unless told another. */
export const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** Undefined when PostgreSQL answers at `url`, else why not (for the "skipped" line). */
export async function postgresUnreachable(url: string, timeoutMs = 3_000): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message || error.name : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Removes a schema made for one test file or benchmark part, with everything in it. */
export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

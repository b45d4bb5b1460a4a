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

const pools = new Map<string, pg.Pool>();

/**
 * Runs `work` on a connection to `url` kept between calls: the tests' own statements around each test (empty
 * a schema, copy a snapshot in, drop it) opened a connection each, three or four a test, and each cost the
 * server a new backend. Idle connections do not keep the process alive. A connection whose work failed is
 * closed, not reused (it may be inside a failed transaction).
 */
export async function withPostgres<T>(url: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  let pool = pools.get(url);
  if (!pool) {
    pool = new pg.Pool({ connectionString: url, max: 2, idleTimeoutMillis: 10_000, allowExitOnIdle: true });
    // An idle connection the server closed leaves the pool; the next call opens another.
    pool.on('error', () => undefined);
    pools.set(url, pool);
  }
  const client = await pool.connect();
  try {
    const result = await work(client);
    client.release();
    return result;
  } catch (error) {
    client.release(true);
    throw error;
  }
}

/** Removes a schema made for one test file or benchmark part, with everything in it. */
export async function dropSchema(url: string, schema: string): Promise<void> {
  await withPostgres(url, (client) => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
}

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropSchema } from './postgres.js';
import type { DatabaseConfig } from '../../server/shared/config.js';

/** A database for one test file: a fresh SQLite file, or a fresh schema in the PostgreSQL `test` database. */
export interface TestDatabase {
  name: 'sqlite' | 'postgres';
  config: DatabaseConfig;
  /** The environment a child process needs to open the same database. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

export function sqliteDatabase(): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'sopflow-test-'));
  const filename = join(dir, 'sopflow.sqlite');
  return {
    name: 'sqlite',
    config: { client: 'sqlite', filename, synchronous: 'FULL' },
    env: { DATABASE_URL: `sqlite:${filename}` },
    drop: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
  };
}

export function postgresDatabase(url: string): TestDatabase {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  return {
    name: 'postgres',
    config: { client: 'pg', connectionString: url, schema },
    env: { DATABASE_URL: url, DATABASE_SCHEMA: schema },
    drop: () => dropSchema(url, schema),
  };
}

const pgUrl = process.env.SOPFLOW_TEST_PG_URL;

/**
 * Runs the same suite against SQLite and PostgreSQL. Without a PostgreSQL server the PostgreSQL half is
 * skipped with a message, or fails when CI=true: CI must never pass without having run it.
 *
 * @example
 * eachDatabase('ticket runtime', (database) => { test('…', async () => { const db = database(); … }); });
 */
export function eachDatabase(name: string, suite: (database: () => TestDatabase) => void): void {
  for (const kind of ['sqlite', 'postgres'] as const) {
    describe(`${name} [${kind}]`, () => {
      if (kind === 'postgres' && !pgUrl) {
        if (process.env.CI) test('PostgreSQL is reachable (required in CI)', () => {
          throw new Error(`PostgreSQL tests cannot run: ${process.env.SOPFLOW_TEST_PG_DOWN ?? 'unknown reason'}`);
        });
        else test.skip(`SKIPPED: PostgreSQL not reachable (${process.env.SOPFLOW_TEST_PG_DOWN ?? ''})`, () => undefined);
        return;
      }
      let current: TestDatabase | undefined;
      beforeEach(() => {
        current = kind === 'sqlite' ? sqliteDatabase() : postgresDatabase(pgUrl!);
      });
      afterEach(async () => {
        await current?.drop();
        current = undefined;
      });
      suite(() => {
        if (!current) throw new Error('the test database exists only inside a test');
        return current;
      });
    });
  }
}

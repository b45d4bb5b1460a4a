import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../server/data/database.js';
import type { DatabaseConfig } from '../../server/shared/config.js';
import { dropSchema } from './postgres.js';
import {
  postgresSnapshot,
  restoreSnapshot,
  schemaState,
  SCHEMA_PREFIX,
  sqliteTemplate,
  TEST_PASSWORD_HASH_COST,
  withoutCommitWait,
  type DemoRun,
  type DemoSpec,
} from './templates.js';

/** A database for one test: a fresh SQLite file, or a schema of its own in the PostgreSQL `test` database. */
export interface TestDatabase {
  name: 'sqlite' | 'postgres';
  config: DatabaseConfig;
  /** The environment a child process needs to open the same database (and to hash passwords as cheaply). */
  env: Record<string, string>;
  /**
   * Makes a fresh database what migrating it, running `demo` (if given) and importing `workflows` (built-in SOP
   * keys, in this order, at T0) would make, by copying a prepared one. Answers false, doing nothing, when the
   * database is not fresh.
   */
  seed(workflows: readonly string[], demo?: DemoSpec): Promise<boolean>;
  /** What the demo run copied in by `seed` answered (the template's), once seeded with one. */
  demoRun?: DemoRun;
  drop(): Promise<void>;
}

/** For child processes, as for the tests' own connections: no test is about durability, nor about hashing cost. */
const CHILD_ENV = { SQLITE_SYNCHRONOUS: 'NORMAL', PASSWORD_HASH_COST: String(TEST_PASSWORD_HASH_COST), NODE_ENV: 'test' };

export function sqliteDatabase(): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'sopflow-test-'));
  const filename = join(dir, 'sopflow.sqlite');
  const database: TestDatabase = {
    name: 'sqlite',
    config: { client: 'sqlite', filename, synchronous: 'NORMAL' },
    env: { ...CHILD_ENV, DATABASE_URL: `sqlite:${filename}` },
    async seed(workflows, demo) {
      if (existsSync(filename)) return false;
      const template = await sqliteTemplate(workflows, demo);
      copyFileSync(template.file, filename);
      if (template.demoRun) database.demoRun = template.demoRun;
      return true;
    },
    drop: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
  };
  return database;
}

const newSchema = () => `${SCHEMA_PREFIX}${randomBytes(6).toString('hex')}`;

/** A schema of its own (new unless given); `drop` removes it. */
export function postgresDatabase(url: string, schema = newSchema()): TestDatabase {
  let fresh = true;
  const config: DatabaseConfig = { client: 'pg', connectionString: withoutCommitWait(url), schema };
  const database: TestDatabase = {
    name: 'postgres',
    config,
    env: { ...CHILD_ENV, DATABASE_URL: config.connectionString, DATABASE_SCHEMA: schema },
    async seed(workflows, demo) {
      if (!fresh) return false;
      fresh = false;
      const state = await schemaState(url, schema, await postgresSnapshot(url, []));
      if (state === 'written') return false;
      if (state === 'new') await (await openDatabase(config)).close();
      const snapshot = await postgresSnapshot(url, workflows, demo);
      await restoreSnapshot(url, schema, snapshot);
      if (snapshot.demoRun) database.demoRun = snapshot.demoRun;
      return true;
    },
    drop: () => dropSchema(url, schema),
  };
  return database;
}

const pgUrl = process.env.SOPFLOW_TEST_PG_URL;

/**
 * Runs the same suite against SQLite and PostgreSQL, each test on a database of its own: a new SQLite file;
 * on PostgreSQL one schema for the suite, migrated once and emptied between tests (as if new, identities
 * restarted). Without a PostgreSQL server the PostgreSQL half is skipped with a message, or fails when
 * CI=true: CI must never pass without having run it.
 *
 * @example
 * eachDatabase('ticket runtime', (database) => { test('…', async () => { const db = database(); … }); });
 */
/**
 * Runs `suite` once on SQLite and once on PostgreSQL, each test on a fresh database; with `shared`, the tests of
 * each run share one database, made before the first (for tests that only read what a costly setup wrote).
 */
export function eachDatabase(name: string, suite: (database: () => TestDatabase) => void, options: { shared?: boolean } = {}): void {
  for (const kind of ['sqlite', 'postgres'] as const) {
    describe(`${name} [${kind}]`, () => {
      if (kind === 'postgres' && !pgUrl) {
        if (process.env.CI)
          test('PostgreSQL is reachable (required in CI)', () => {
            throw new Error(`PostgreSQL tests cannot run: ${process.env.SOPFLOW_TEST_PG_DOWN ?? 'unknown reason'}`);
          });
        else test.skip(`SKIPPED: PostgreSQL not reachable (${process.env.SOPFLOW_TEST_PG_DOWN ?? ''})`, () => undefined);
        return;
      }
      let current: TestDatabase | undefined;
      const schema = newSchema();
      const [before, after] = options.shared ? [beforeAll, afterAll] : [beforeEach, afterEach];
      before(async () => {
        if (kind === 'sqlite') current = sqliteDatabase();
        else {
          // An earlier test left its rows: back to what migrating alone makes.
          await restoreSnapshot(pgUrl!, schema, await postgresSnapshot(pgUrl!, []));
          current = postgresDatabase(pgUrl!, schema);
        }
      });
      after(async () => {
        if (kind === 'sqlite') await current?.drop();
        current = undefined;
      });
      if (kind === 'postgres') afterAll(() => dropSchema(pgUrl!, schema));
      suite(() => {
        if (!current) throw new Error('the test database exists only inside a test');
        return current;
      });
    });
  }
}

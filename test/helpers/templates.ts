import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type pg from 'pg';
import { runDemo } from '../../server/services/demo/demo.js';
import type { DemoSummary } from '../../server/services/demo/demo-summary.js';
import { ManualClock } from '../../server/shared/clock.js';
import type { Config, DatabaseConfig } from '../../server/shared/config.js';
import { openSopflow, type Sopflow } from '../../server/sopflow.js';
import { withPostgres } from './postgres.js';
import { waitFor } from './wait-for.js';

/**
 * Migrating a database and importing the built-in SOPs took most of a small test's time. They are done once
 * per jest run (SQLite: a template file; PostgreSQL: a snapshot schema), shared by the workers, for each list
 * of SOPs tests ask for, and copied into each test's database. Built from the current migrations every run:
 * nothing is checked in. A template may also hold a demo run (`DemoSpec`), which costs seconds of CPU on SQLite
 * and more on PostgreSQL.
 */

export const T0 = Date.parse('2026-11-23T09:00:00Z');
export const IMPORTED_BY = 'test@sopflow.local';
/** log2 of scrypt's N in tests: hashing at the production cost took a tenth of a second a user. */
export const TEST_PASSWORD_HASH_COST = 10;

/** The runtime directory global-setup made for this jest run, or one of this process's own. */
const RUN_DIR = process.env.SOPFLOW_TEST_RUN_DIR ?? mkdtempSync(join(tmpdir(), 'sopflow-run-'));
/** Prefix of every PostgreSQL schema this run makes; global-teardown drops them. */
export const SCHEMA_PREFIX = `t_${process.env.SOPFLOW_TEST_RUN_ID ?? randomBytes(4).toString('hex')}_`;

export function templateConfig(database: DatabaseConfig): Config {
  return { port: 0, database, sessionSecret: 'test-secret', logLevel: 'silent', schedulerIntervalMs: 50, passwordHashCost: TEST_PASSWORD_HASH_COST };
}

export async function importWorkflows(app: Sopflow, workflows: readonly string[]): Promise<void> {
  for (const key of workflows) await app.workflows.import(readFileSync(new URL(`../../workflows/${key}.bpmn`, import.meta.url)), IMPORTED_BY);
}

/** Commits need not wait for PostgreSQL's disk (only a PostgreSQL crash could lose them). */
export const withoutCommitWait = (url: string) => `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent('-c synchronous_commit=off')}`;

/** A run of the demo generator (`runDemo`'s options) ending at T0, for tests that read its data. */
export interface DemoSpec {
  tickets: number;
  weeks: number;
  seed: number;
  password?: string;
}

/** What a template's demo run answered, and where it left the clock: `sopflow demo`'s own test reads them. */
export interface DemoRun {
  summary: DemoSummary;
  clockAfter: number;
}

/**
 * The demo first, on the empty database as `sopflow demo` runs it (it publishes the SOPs at its period's start and
 * leaves the clock at T0, its timers released to any scheduler); then the SOPs, which it may already have.
 */
async function build(database: DatabaseConfig, workflows: readonly string[], demo?: DemoSpec): Promise<DemoRun | undefined> {
  const clock = new ManualClock(T0);
  const app = await openSopflow(templateConfig(database), { clock, simulation: demo !== undefined });
  try {
    const run = demo ? { summary: await runDemo(app, demo), clockAfter: clock.now() } : undefined;
    await importWorkflows(app, workflows);
    return run;
  } finally {
    await app.close();
  }
}

/** Import order decides the rows' ids, so it is part of the key. */
function keyOf(workflows: readonly string[], demo: DemoSpec | undefined): string {
  const key = workflows.length ? workflows.join('+') : 'none';
  if (!demo) return key;
  const { tickets, weeks, seed, password } = demo;
  return `${key}.demo-${createHash('sha256')
    .update(JSON.stringify([tickets, weeks, seed, password ?? null]))
    .digest('hex')
    .slice(0, 16)}`;
}

/** A demo run takes a minute or more on PostgreSQL on a busy machine; a template of SOPs alone a few seconds. */
const waitLimitMs = (demo: DemoSpec | undefined) => (demo ? 600_000 : 120_000);

/**
 * Makes `file` once per jest run: the first worker that asks builds it (a lock directory keeps the others
 * waiting), then all reuse it. `make` writes it elsewhere first, so that the file exists only when complete.
 */
async function oncePerRun(file: string, timeoutMs: number, make: (building: string) => Promise<void>): Promise<string> {
  if (existsSync(file)) return file;
  const lock = `${file}.lock`;
  try {
    mkdirSync(lock);
  } catch {
    // Another worker builds it; when its build fails it removes the lock, and this worker's tests fail too.
    await waitFor(() => existsSync(file) || !existsSync(lock), { timeoutMs, what: `the template ${file}` });
    if (!existsSync(file)) throw new Error(`the template ${file} could not be built (see the other worker's failures)`);
    return file;
  }
  try {
    const building = join(mkdtempSync(join(RUN_DIR, 'building-')), basename(file));
    await make(building);
    renameSync(building, file);
    return file;
  } catch (error) {
    rmSync(lock, { recursive: true, force: true });
    throw error;
  }
}

const sqliteTemplates = new Map<string, Promise<{ file: string; demoRun?: DemoRun }>>();

/**
 * A SQLite file migrated with `workflows` imported at T0 (after `demo`, if given), to copy: built once per run.
 * Closing the last connection checkpoints the WAL into the file, so copying the file alone copies everything.
 * The demo's run is kept beside it, written before the file appears.
 */
export function sqliteTemplate(workflows: readonly string[], demo?: DemoSpec): Promise<{ file: string; demoRun?: DemoRun }> {
  const key = keyOf(workflows, demo);
  let template = sqliteTemplates.get(key);
  if (!template) {
    const file = join(RUN_DIR, `${key}.sqlite`);
    const runFile = `${file}.demo.json`;
    template = oncePerRun(file, waitLimitMs(demo), async (building) => {
      const run = await build({ client: 'sqlite', filename: building, synchronous: 'NORMAL' }, workflows, demo);
      if (existsSync(`${building}-wal`)) throw new Error(`the SQLite template ${building} kept its WAL: a connection stayed open`);
      if (run) writeFileSync(runFile, JSON.stringify(run));
    }).then((built) => ({ file: built, ...(demo ? { demoRun: JSON.parse(readFileSync(runFile, 'utf8')) as DemoRun } : {}) }));
    sqliteTemplates.set(key, template);
  }
  return template;
}

/** A schema's rows to copy into a test's schema: its tables parents first, those with rows, and its sequences' positions. */
export interface PostgresSnapshot {
  schema: string;
  tables: string[];
  filled: string[];
  /** null: never used. */
  sequences: Array<{ name: string; value: number | null }>;
  demoRun?: DemoRun;
}

const postgresSnapshots = new Map<string, Promise<PostgresSnapshot>>();

/**
 * A snapshot schema for `workflows`: migrated, with them imported at T0 (after `demo`, if given), made once per
 * run and read by every worker (its description is the file they wait for). Once per worker was once per suite,
 * each suite having its own module registry: dozens of migrations of the same schema, on PostgreSQL's CPU.
 */
export function postgresSnapshot(url: string, workflows: readonly string[], demo?: DemoSpec): Promise<PostgresSnapshot> {
  const key = keyOf(workflows, demo);
  let snapshot = postgresSnapshots.get(key);
  if (!snapshot) {
    const make = async () => {
      const schema = `${SCHEMA_PREFIX}s${randomBytes(4).toString('hex')}`;
      const run = await build({ client: 'pg', connectionString: withoutCommitWait(url), schema }, workflows, demo);
      return { ...(await describeSchema(url, schema)), ...(run ? { demoRun: run } : {}) };
    };
    snapshot = oncePerRun(join(RUN_DIR, `${key}.pg.json`), waitLimitMs(demo), async (building) => writeFileSync(building, JSON.stringify(await make()))).then(
      (file) => JSON.parse(readFileSync(file, 'utf8')) as PostgresSnapshot,
    );
    postgresSnapshots.set(key, snapshot);
  }
  return snapshot;
}

/** Every table but knex's own, which say what migrations ran and stay as they are. */
async function tablesOf(client: pg.PoolClient, schema: string): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    "SELECT tablename AS name FROM pg_tables WHERE schemaname = $1 AND tablename NOT LIKE 'knex\\_migrations%'",
    [schema],
  );
  return rows.map((row) => row.name);
}

async function describeSchema(url: string, schema: string): Promise<PostgresSnapshot> {
  return withPostgres(url, async (client) => {
    const { rows: edges } = await client.query<{ child: string; parent: string }>(
      `SELECT c.relname AS child, p.relname AS parent FROM pg_constraint k
         JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
         JOIN pg_namespace n ON n.oid = k.connamespace
        WHERE k.contype = 'f' AND n.nspname = $1 AND c.relname <> p.relname`,
      [schema],
    );
    const tables = parentsFirst(await tablesOf(client, schema), edges);
    const filled: string[] = [];
    for (const table of tables) {
      const { rows } = await client.query(`SELECT 1 FROM "${schema}"."${table}" LIMIT 1`);
      if (rows.length) filled.push(table);
    }
    const { rows: sequences } = await client.query<{ name: string; value: string | null }>(
      'SELECT sequencename AS name, last_value AS value FROM pg_sequences WHERE schemaname = $1',
      [schema],
    );
    return { schema, tables, filled, sequences: sequences.map((s) => ({ name: s.name, value: s.value === null ? null : Number(s.value) })) };
  });
}

function parentsFirst(tables: string[], edges: Array<{ child: string; parent: string }>): string[] {
  const ordered: string[] = [];
  const visit = (table: string, path: Set<string>) => {
    if (ordered.includes(table) || path.has(table)) return;
    path.add(table);
    for (const edge of edges) if (edge.child === table && tables.includes(edge.parent)) visit(edge.parent, path);
    ordered.push(table);
  };
  for (const table of tables) visit(table, new Set());
  return ordered;
}

const MIGRATED = "SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = 'knex_migrations'";

/**
 * Empties every table of `schema` and copies the snapshot's rows and sequence positions into it: the state a
 * fresh schema has after migrating and importing the same SOPs. Answers false, doing nothing, when the
 * schema is not migrated yet (it is as new). DELETE, children first, rather than TRUNCATE: on these small
 * tables TRUNCATE took 250 ms (new files for 16 tables), DELETE 5 ms.
 */
export async function restoreSnapshot(url: string, schema: string, snapshot: PostgresSnapshot): Promise<boolean> {
  const statements = ["SET LOCAL lock_timeout = '10s'"];
  for (const table of [...snapshot.tables].reverse()) statements.push(`DELETE FROM "${schema}"."${table}"`);
  for (const table of snapshot.filled) statements.push(`INSERT INTO "${schema}"."${table}" SELECT * FROM "${snapshot.schema}"."${table}"`);
  for (const { name, value } of snapshot.sequences) statements.push(`SELECT setval('"${schema}"."${name}"', ${value ?? 1}, ${value !== null})`);
  return withPostgres(url, async (client) => {
    if (!(await client.query(MIGRATED, [schema])).rows.length) return false;
    await client.query(`BEGIN; ${statements.join('; ')}; COMMIT`);
    return true;
  });
}

/**
 * What `schema` holds: nothing yet ('new'), only what migrating leaves (`empty`, the snapshot of a schema only
 * migrated), or rows something else wrote (a child process, the CLI).
 */
export async function schemaState(url: string, schema: string, empty: PostgresSnapshot): Promise<'new' | 'pristine' | 'written'> {
  return withPostgres(url, async (client) => {
    if (!(await client.query(MIGRATED, [schema])).rows.length) return 'new';
    const tables = (await tablesOf(client, schema)).filter((table) => !empty.filled.includes(table));
    if (!tables.length) return 'pristine';
    const {
      rows: [written],
    } = await client.query<{ any: boolean }>(`SELECT ${tables.map((t) => `EXISTS (SELECT 1 FROM "${schema}"."${t}")`).join(' OR ')} AS any`);
    return written!.any ? 'written' : 'pristine';
  });
}

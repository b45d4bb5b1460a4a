import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ManualClock } from '../../server/shared/clock.js';
import type { Config, DatabaseConfig } from '../../server/shared/config.js';
import { openSopflow, type Sopflow } from '../../server/sopflow.js';
import { waitFor } from './wait-for.js';

/**
 * Migrating a database and importing the built-in SOPs took most of a small test's time. They are done once
 * per jest run (SQLite: a template file, shared by the workers) or once per worker (PostgreSQL: a snapshot
 * schema), for each list of SOPs tests ask for, and copied into each test's database. Built from the
 * current migrations every run: nothing is checked in.
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

async function build(database: DatabaseConfig, workflows: readonly string[]): Promise<void> {
  const app = await openSopflow(templateConfig(database), { clock: new ManualClock(T0) });
  try {
    await importWorkflows(app, workflows);
  } finally {
    await app.close();
  }
}

/** Import order decides the rows' ids, so it is part of the key. */
const keyOf = (workflows: readonly string[]) => (workflows.length ? workflows.join('+') : 'none');

const sqliteTemplates = new Map<string, Promise<string>>();

/**
 * A SQLite file migrated with `workflows` imported at T0, to copy: built by the first worker that asks
 * (a lock directory keeps the others waiting), then reused by all. Closing the last connection
 * checkpoints the WAL into the file, so copying the file alone copies everything.
 */
export function sqliteTemplate(workflows: readonly string[]): Promise<string> {
  const key = keyOf(workflows);
  let template = sqliteTemplates.get(key);
  if (!template) {
    template = (async () => {
      const file = join(RUN_DIR, `${key}.sqlite`);
      if (existsSync(file)) return file;
      const lock = `${file}.lock`;
      try {
        mkdirSync(lock);
      } catch {
        // Another worker builds it; when its build fails it removes the lock, and this worker's tests fail too.
        await waitFor(() => existsSync(file) || !existsSync(lock), { timeoutMs: 120_000, what: `the SQLite template ${file}` });
        if (!existsSync(file)) throw new Error(`the SQLite template ${file} could not be built (see the other worker's failures)`);
        return file;
      }
      try {
        const building = join(mkdtempSync(join(RUN_DIR, 'building-')), 'template.sqlite');
        await build({ client: 'sqlite', filename: building, synchronous: 'NORMAL' }, workflows);
        if (existsSync(`${building}-wal`)) throw new Error(`the SQLite template ${building} kept its WAL: a connection stayed open`);
        renameSync(building, file);
        return file;
      } catch (error) {
        rmSync(lock, { recursive: true, force: true });
        throw error;
      }
    })();
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
}

const postgresSnapshots = new Map<string, Promise<PostgresSnapshot>>();

/** This worker's snapshot schema for `workflows`: migrated, with them imported at T0. */
export function postgresSnapshot(url: string, workflows: readonly string[]): Promise<PostgresSnapshot> {
  const key = keyOf(workflows);
  let snapshot = postgresSnapshots.get(key);
  if (!snapshot) {
    snapshot = (async () => {
      const schema = `${SCHEMA_PREFIX}s${randomBytes(4).toString('hex')}`;
      await build({ client: 'pg', connectionString: url, schema }, workflows);
      return describeSchema(url, schema);
    })();
    postgresSnapshots.set(key, snapshot);
  }
  return snapshot;
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Every table but knex's own, which say what migrations ran and stay as they are. */
async function tablesOf(client: pg.Client, schema: string): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    "SELECT tablename AS name FROM pg_tables WHERE schemaname = $1 AND tablename NOT LIKE 'knex\\_migrations%'",
    [schema],
  );
  return rows.map((row) => row.name);
}

async function describeSchema(url: string, schema: string): Promise<PostgresSnapshot> {
  return withClient(url, async (client) => {
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
  return withClient(url, async (client) => {
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
  return withClient(url, async (client) => {
    if (!(await client.query(MIGRATED, [schema])).rows.length) return 'new';
    const tables = (await tablesOf(client, schema)).filter((table) => !empty.filled.includes(table));
    if (!tables.length) return 'pristine';
    const {
      rows: [written],
    } = await client.query<{ any: boolean }>(`SELECT ${tables.map((t) => `EXISTS (SELECT 1 FROM "${schema}"."${t}")`).join(' OR ')} AS any`);
    return written!.any ? 'written' : 'pristine';
  });
}

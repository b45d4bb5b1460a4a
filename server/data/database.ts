import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import knex, { type Knex } from 'knex';
import pg from 'pg';
import type { DatabaseConfig } from '../shared/config.js';
import { migrationSource } from './migrations/index.js';
import { WriteQueue } from './write-queue.js';

export type Transaction = Knex.Transaction;

/**
 * The one way SOPflow reaches its database. Reads go through `knex`; every write goes through `write`,
 * which on SQLite shares commits between concurrent callers (group commit) and on PostgreSQL is a plain
 * transaction on a pooled connection.
 */
export interface Database {
  readonly knex: Knex;
  readonly client: 'sqlite' | 'pg';
  /** Runs `work` in a transaction; resolves only once it is durable; on failure nothing of it stays. */
  write<T>(work: (trx: Transaction) => Promise<T>): Promise<T>;
  /** Locks rows read for update where the database can (PostgreSQL); SQLite writes are serialized anyway. */
  forUpdate<Q extends Knex.QueryBuilder>(query: Q): Q;
  /** The same for a raw SELECT: `' FOR UPDATE'` to append on PostgreSQL, `''` on SQLite. */
  readonly forUpdateSql: string;
  /** Resolves once the database has answered a trivial query: what the health check asks. */
  ping(): Promise<void>;
  /** The migrations applied (by name, in order) and how many are still pending. */
  migrations(): Promise<MigrationsStatus>;
  close(): Promise<void>;
}

export interface MigrationsStatus {
  applied: string[];
  pending: number;
}

async function ping(connection: Knex): Promise<void> {
  await connection.raw('select 1');
}

async function migrationsOf(connection: Knex): Promise<MigrationsStatus> {
  const [applied, pending] = (await connection.migrate.list()) as [Array<{ name: string }>, unknown[]];
  return { applied: applied.map((migration) => migration.name), pending: pending.length };
}

// PostgreSQL returns int8 (our epoch-millisecond columns) as strings; every value we store fits a double.
pg.types.setTypeParser(20, (value) => Number(value));

/** knex keeps its migration log here, and a `_lock` table beside it that exists once the database is open. */
const MIGRATIONS_TABLE = 'knex_migrations';

interface SqliteStatement {
  readonly reader: boolean;
  all(bindings: readonly unknown[]): unknown[];
  run(bindings: readonly unknown[]): { changes: number; lastInsertRowid: number | bigint };
}

interface SqliteConnection {
  pragma(sql: string): unknown;
  prepare(sql: string): SqliteStatement;
}

/** The connection of each open SQLite write transaction, registered when the transaction takes the write lock. */
const sqliteConnections = new WeakMap<Transaction, SqliteConnection>();

/**
 * Runs one fixed SQL statement with `?` bindings in a write transaction and answers what `trx.raw` would
 * (rows for a SELECT or RETURNING, `changes` for other writes). Inside a SQLite write transaction the
 * statement goes straight to better-sqlite3's cached prepared statement: knex's runner around a raw query
 * (connection checks, events, binding formatting, promise chain) cost more than SQLite running it.
 */
export function runSql(trx: Transaction, sql: string, bindings: readonly SqlValue[] = []): Promise<unknown> {
  const connection = sqliteConnections.get(trx);
  if (!connection) return trx.raw(sql, bindings as SqlValue[]) as unknown as Promise<unknown>;
  try {
    const statement = connection.prepare(sql);
    const values = bindings.map((value) => (typeof value === 'boolean' ? Number(value) : value));
    return Promise.resolve(statement.reader ? statement.all(values) : statement.run(values));
  } catch (error) {
    return Promise.reject(error as Error);
  }
}

const STATEMENT_CACHE_SIZE = 2000;

/**
 * knex prepares every statement anew, which costs SQLite a parse and plan per query. The same SQL text
 * comes back on every advance, so prepared statements are kept per connection (better-sqlite3 statements
 * are reusable; the connection is used by one query at a time).
 */
function cachePreparedStatements(connection: SqliteConnection): void {
  const prepare = connection.prepare.bind(connection);
  const cache = new Map<string, SqliteStatement>();
  connection.prepare = (sql: string) => {
    let statement = cache.get(sql) as SqliteStatement | undefined;
    if (statement === undefined) {
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.clear();
      statement = prepare(sql);
      cache.set(sql, statement);
    }
    return statement;
  };
}

export function knexConfig(config: DatabaseConfig): Knex.Config {
  if (config.client === 'pg') {
    return {
      client: 'pg',
      connection: config.connectionString,
      ...(config.schema ? { searchPath: [config.schema] } : {}),
      pool: { min: 0, max: 10 },
      migrations: { migrationSource, tableName: MIGRATIONS_TABLE },
    };
  }
  return {
    client: 'better-sqlite3',
    connection: { filename: config.filename },
    useNullAsDefault: true,
    // One connection: SQLite has one writer, and the write queue batches around it.
    pool: {
      min: 1,
      max: 1,
      afterCreate(connection: SqliteConnection, done: (error: Error | null, connection: unknown) => void) {
        try {
          cachePreparedStatements(connection);
          connection.pragma('journal_mode = WAL');
          connection.pragma(`synchronous = ${config.synchronous}`);
          connection.pragma('foreign_keys = ON');
          connection.pragma('busy_timeout = 5000');
          done(null, connection);
        } catch (error) {
          done(error as Error, connection);
        }
      },
    },
    migrations: { migrationSource, tableName: MIGRATIONS_TABLE },
  };
}

/** Opens the database and brings its schema up to date. */
export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  if (config.client === 'sqlite' && config.filename !== ':memory:') mkdirSync(dirname(config.filename), { recursive: true });
  const connection = knex(knexConfig(config));
  try {
    if (config.client === 'pg' && config.schema) await connection.raw('CREATE SCHEMA IF NOT EXISTS ??', [config.schema]);
    await connection.migrate.latest();
  } catch (error) {
    await connection.destroy();
    throw error;
  }
  return config.client === 'sqlite' ? sqliteDatabase(connection) : postgresDatabase(connection);
}

function sqliteDatabase(connection: Knex): Database {
  // Several processes may write one file (a second server, the CLI, the demo): see TakeWriteLock.
  const queue = new WriteQueue(
    connection,
    async (trx) => {
      // knex hands a transaction's own connection to whoever asks its client (the connection stays the transaction's).
      sqliteConnections.set(trx, (await (trx.client as Knex.Client).acquireConnection()) as SqliteConnection);
      await runSql(trx, `UPDATE ${MIGRATIONS_TABLE}_lock SET is_locked = is_locked WHERE 0`);
    },
    runSql,
  );
  return {
    knex: connection,
    client: 'sqlite',
    write: (work) => queue.run(work),
    forUpdate: (query) => query,
    forUpdateSql: '',
    ping: () => ping(connection),
    migrations: () => migrationsOf(connection),
    close: async () => {
      await queue.drained();
      await connection.destroy();
    },
  };
}

function postgresDatabase(connection: Knex): Database {
  return {
    knex: connection,
    client: 'pg',
    write: (work) => connection.transaction(work),
    forUpdate: (query) => query.forUpdate() as typeof query,
    forUpdateSql: ' FOR UPDATE',
    ping: () => ping(connection),
    migrations: () => migrationsOf(connection),
    close: () => connection.destroy(),
  };
}

/** True when a write failed on a unique constraint, on either database. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

// NOTE: the hot paths (advancing a ticket, firing timers) run fixed SQL through `trx.raw` with `?` bindings,
// which knex passes to both databases: building and compiling a query costs more than SQLite running it.

/** The rows of a `raw` SELECT or `RETURNING` statement, on either database. */
export function rowsOf<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : (result as { rows: T[] }).rows;
}

/** How many rows a `raw` UPDATE changed, on either database. */
export function changesOf(result: unknown): number {
  const outcome = result as { changes?: number; rowCount?: number | null };
  return outcome.changes ?? outcome.rowCount ?? 0;
}

const valueLists = new Map<string, string>();

/** `(?, ?), (?, ?)`: the VALUES of a multi-row INSERT of `rows` rows of `columns` columns. */
export function valuesSql(rows: number, columns: number): string {
  const key = `${rows}x${columns}`;
  let sql = valueLists.get(key);
  if (sql === undefined) {
    const row = `(${Array.from({ length: columns }, () => '?').join(', ')})`;
    sql = Array.from({ length: rows }, () => row).join(', ');
    if (valueLists.size < 1_000) valueLists.set(key, sql);
  }
  return sql;
}

/** `?, ?, ?`: the list of an `IN (…)` of `count` values. */
export function listSql(count: number): string {
  return valuesSql(1, count).slice(1, -1);
}

export type SqlValue = string | number | boolean | null;

/** Rows per multi-row statement: well under SQLite's and PostgreSQL's limits on bound values. */
const ROWS_PER_STATEMENT = 400;

/**
 * A statement over the rows of a `VALUES` list: `head` ends where the list starts (`INSERT INTO t (a, b)`, or
 * `UPDATE t SET … FROM (`), `tail` may follow it (`ON CONFLICT …`, or `) AS v (a, b) WHERE …`). Nothing is
 * sent for no rows; many rows go a few hundred to a statement. Answers how many rows the statements changed.
 */
export async function writeRows(trx: Transaction, head: string, rows: readonly SqlValue[][], tail = ''): Promise<number> {
  let changed = 0;
  for (let from = 0; from < rows.length; from += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(from, from + ROWS_PER_STATEMENT);
    changed += changesOf(await runSql(trx, `${head} VALUES ${valuesSql(chunk.length, chunk[0]!.length)}${tail}`, chunk.flat()));
  }
  return changed;
}

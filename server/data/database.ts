import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import knex, { type Knex } from 'knex';
import pg from 'pg';
import type { DatabaseConfig } from '../config.js';
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
  close(): Promise<void>;
}

// PostgreSQL returns int8 (our epoch-millisecond columns) as strings; every value we store fits a double.
pg.types.setTypeParser(20, (value) => Number(value));

/** knex keeps its migration log here, and a `_lock` table beside it that exists once the database is open. */
const MIGRATIONS_TABLE = 'knex_migrations';

interface SqliteConnection {
  pragma(sql: string): unknown;
  prepare(sql: string): unknown;
}

const STATEMENT_CACHE_SIZE = 2000;

/**
 * knex prepares every statement anew, which costs SQLite a parse and plan per query. The same SQL text
 * comes back on every advance, so prepared statements are kept per connection (better-sqlite3 statements
 * are reusable; the connection is used by one query at a time).
 */
function cachePreparedStatements(connection: SqliteConnection): void {
  const prepare = connection.prepare.bind(connection);
  const cache = new Map<string, unknown>();
  connection.prepare = (sql: string) => {
    let statement = cache.get(sql);
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
  const queue = new WriteQueue(connection, (trx) => trx.raw(`UPDATE ${MIGRATIONS_TABLE}_lock SET is_locked = is_locked WHERE 0`));
  return {
    knex: connection,
    client: 'sqlite',
    write: (work) => queue.run(work),
    forUpdate: (query) => query,
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
    close: () => connection.destroy(),
  };
}

/** True when a write failed on a unique constraint, on either database. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

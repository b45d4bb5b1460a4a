import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import knex, { type Knex } from 'knex';
import pg from 'pg';
import type { DatabaseConfig } from '../shared/config.js';
import { migrationSource } from './migrations/index.js';
import { WriteQueue, type BatchWriter, type WriteCounts } from './write-queue.js';

export type Transaction = Knex.Transaction;
export type SqliteConnection = BetterSqlite3.Database;

/**
 * The one way the data layer reaches its database. Reads go through `knex`; every write goes through the
 * write queue: `write` runs a repository's transaction, `submit` hands a unit to a batch writer that stores
 * every unit waiting at that moment in one transaction. On SQLite the queue is the single writer (group
 * commit); on PostgreSQL `write` is a plain transaction on a pooled connection.
 */
export interface Database {
  readonly knex: Knex;
  readonly client: 'sqlite' | 'pg';
  /**
   * SQLite only: the pool's one connection, which the data layer owns (captured when the pool creates it).
   * Batch writers run whole transactions on it synchronously, with cached prepared statements; the write
   * queue makes sure no knex transaction is open meanwhile.
   */
  readonly sqlite: SqliteStatements | undefined;
  /** Runs `work` in a transaction; resolves only once it is durable; on failure nothing of it stays. */
  write<T>(work: (trx: Transaction) => Promise<T>): Promise<T>;
  /** Stores `unit` with the other units waiting for the same writer; resolves once durable. */
  submit<U, R>(writer: BatchWriter<U, R>, unit: U): Promise<R>;
  /** Locks rows read for update where the database can (PostgreSQL); SQLite writes are serialized anyway. */
  forUpdate<Q extends Knex.QueryBuilder>(query: Q): Q;
  /**
   * The rows of one SELECT written with `?` placeholders in SQL both databases read. On SQLite it is a cached
   * prepared statement on the owned connection (no pool round, no query compiler): the reads on the hot paths
   * of an advance. Like every read on that connection, it sees a transaction still open on it.
   */
  rows<T>(sql: string, bindings?: readonly unknown[]): Promise<T[]>;
  /**
   * One data-modifying statement that is atomic by itself, committed on its own; its `RETURNING` or final
   * SELECT rows. On PostgreSQL it runs outside any transaction (no BEGIN and COMMIT round trips) as a named
   * prepared statement on a pooled connection, parsed once per connection: a write hot path's one round trip.
   * PostgreSQL only: on SQLite a read and a write transaction cost no round trip, so there is nothing to save.
   */
  statement?<T>(sql: string, bindings?: readonly unknown[]): Promise<T[]>;
  /** Resolves once the database has answered a trivial query: what the health check asks. */
  ping(): Promise<void>;
  /** The migrations applied (by name, in order) and how many are still pending. */
  migrations(): Promise<MigrationsStatus>;
  /** Resolves once every write asked for so far has been stored or refused. */
  drained(): Promise<void>;
  /** What the write queue has committed so far (batches and units): how many writes shared a commit. */
  readonly writes: Readonly<WriteCounts>;
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

/** Prepared statements on the owned SQLite connection, each SQL text prepared once. */
export class SqliteStatements {
  private readonly cache = new Map<string, BetterSqlite3.Statement>();
  /** One transaction function for every batch: better-sqlite3 builds four wrappers for each one it makes. */
  private immediate: (work: () => unknown) => unknown;

  constructor(private connection: SqliteConnection) {
    this.immediate = immediateOn(connection);
  }

  /** The pool replaced its connection (it never should with one connection, but then this follows it). */
  replace(connection: SqliteConnection): void {
    this.connection = connection;
    this.cache.clear();
    this.immediate = immediateOn(connection);
  }

  prepare(sql: string): BetterSqlite3.Statement {
    let statement = this.cache.get(sql);
    if (statement === undefined) {
      if (this.cache.size >= 2_000) this.cache.clear();
      statement = this.connection.prepare(sql);
      this.cache.set(sql, statement);
    }
    return statement;
  }

  /** Runs `work` as one IMMEDIATE transaction (the write lock taken up front, waited for up to busy_timeout). */
  transaction<T>(work: () => T): T {
    return this.immediate(work) as T;
  }
}

function immediateOn(connection: SqliteConnection): (work: () => unknown) => unknown {
  return connection.transaction((work: () => unknown) => work()).immediate;
}

// PostgreSQL returns int8 (our epoch-millisecond columns) as strings; every value we store fits a double.
pg.types.setTypeParser(20, (value) => Number(value));

/**
 * knex's own messages go to stderr, never among a command's output. A connection that cannot be made is not
 * told twice: the error reaches the caller, who reports it in one line (the CLI) or logs it (the server).
 */
const log: Knex.Config['log'] = {
  warn: (message: string) => void (String(message).startsWith('Acquire connection error') || process.stderr.write(`knex: ${message}\n`)),
  error: (message: string) => void process.stderr.write(`knex: ${message}\n`),
  deprecate: (method: string, alternative: string) => void process.stderr.write(`knex: ${method} is deprecated, use ${alternative}\n`),
  debug: () => undefined,
};

/** knex keeps its migration log here, and a `_lock` table beside it that exists once the database is open. */
const MIGRATIONS_TABLE = 'knex_migrations';

export function knexConfig(config: DatabaseConfig, onConnection?: (connection: SqliteConnection) => void): Knex.Config {
  if (config.client === 'pg') {
    return {
      client: 'pg',
      connection: config.connectionString,
      ...(config.schema ? { searchPath: [config.schema] } : {}),
      pool: { min: 0, max: 10 },
      migrations: { migrationSource, tableName: MIGRATIONS_TABLE },
      log,
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
          connection.pragma('journal_mode = WAL');
          connection.pragma(`synchronous = ${config.synchronous}`);
          connection.pragma('foreign_keys = ON');
          connection.pragma('busy_timeout = 5000');
          onConnection?.(connection);
          done(null, connection);
        } catch (error) {
          done(error as Error, connection);
        }
      },
    },
    migrations: { migrationSource, tableName: MIGRATIONS_TABLE },
    log,
  };
}

/** Opens the database and brings its schema up to date. */
export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  if (config.client === 'sqlite' && config.filename !== ':memory:') mkdirSync(dirname(config.filename), { recursive: true });
  let statements: SqliteStatements | undefined;
  const connection = knex(
    knexConfig(config, (raw) => {
      if (statements) statements.replace(raw);
      else statements = new SqliteStatements(raw);
    }),
  );
  try {
    if (config.client === 'pg' && config.schema) await connection.raw('CREATE SCHEMA IF NOT EXISTS ??', [config.schema]);
    await connection.migrate.latest();
  } catch (error) {
    await connection.destroy();
    throw error;
  }
  if (config.client === 'pg') return postgresDatabase(connection, new PgStatements(config));
  if (!statements) throw new Error('the SQLite pool opened no connection');
  return sqliteDatabase(connection, statements);
}

function sqliteDatabase(connection: Knex, statements: SqliteStatements): Database {
  // Several processes may write one file (a second server, the CLI, the demo): the first statement of a
  // knex transaction takes the write lock, as BEGIN IMMEDIATE would (knex only issues a deferred BEGIN, and
  // a deferred transaction that reads first cannot wait for another process's lock: SQLITE_BUSY at once).
  const queue = new WriteQueue(connection, true, (trx) => trx.raw(`UPDATE ${MIGRATIONS_TABLE}_lock SET is_locked = is_locked WHERE 0`));
  return {
    knex: connection,
    client: 'sqlite',
    sqlite: statements,
    write: (work) => queue.run(work),
    submit: (writer, unit) => queue.submit(writer, unit),
    forUpdate: (query) => query,
    rows: <T>(sql: string, bindings: readonly unknown[] = []) => Promise.resolve(statements.prepare(sql).all(...bindings) as T[]),
    drained: () => queue.drained(),
    writes: queue.counts,
    ping: () => ping(connection),
    migrations: () => migrationsOf(connection),
    close: async () => {
      await queue.drained();
      await connection.destroy();
    },
  };
}

/**
 * The connections `statement` runs prepared statements on, owned here in the open: knex cannot name a
 * statement, and its pool's connections are its own. Few, since a statement holds one only for its round trip.
 */
class PgStatements {
  private readonly pool: pg.Pool;
  /** Connections whose search path is the configured schema already. */
  private readonly onSchema = new WeakSet<pg.PoolClient>();

  constructor(private readonly config: Extract<DatabaseConfig, { client: 'pg' }>) {
    this.pool = new pg.Pool({ connectionString: config.connectionString, max: STATEMENT_CONNECTIONS });
    // An idle connection that breaks (a server restart) leaves the pool; the next statement opens another.
    this.pool.on('error', () => undefined);
  }

  async run<T>(sql: string, bindings: readonly unknown[]): Promise<T[]> {
    const client = await this.pool.connect();
    try {
      if (this.config.schema && !this.onSchema.has(client)) {
        await client.query(`SET search_path TO ${client.escapeIdentifier(this.config.schema)}`);
        this.onSchema.add(client);
      }
      return (await client.query<T & pg.QueryResultRow>({ name: statementName(sql), text: numbered(sql), values: [...bindings] })).rows;
    } finally {
      client.release();
    }
  }

  /** Closes the connections; closing twice (a database closed twice) is closing once. */
  async end(): Promise<void> {
    if (!this.pool.ended) await this.pool.end();
  }
}

const STATEMENT_CONNECTIONS = 4;

function postgresDatabase(connection: Knex, statements: PgStatements): Database {
  const queue = new WriteQueue(connection, false);
  return {
    knex: connection,
    client: 'pg',
    sqlite: undefined,
    write: (work) => queue.run(work),
    submit: (writer, unit) => queue.submit(writer, unit),
    forUpdate: (query) => query.forUpdate() as typeof query,
    rows: async <T>(sql: string, bindings: readonly unknown[] = []) => rowsOf<T>(await connection.raw(sql, [...bindings] as Knex.RawBinding[])),
    statement: <T>(sql: string, bindings: readonly unknown[] = []) => statements.run<T>(sql, bindings),
    drained: () => queue.drained(),
    writes: queue.counts,
    ping: () => ping(connection),
    migrations: () => migrationsOf(connection),
    close: async () => {
      await queue.drained();
      await Promise.all([connection.destroy(), statements.end()]);
    },
  };
}

const statementNames = new Map<string, string>();

/** A prepared statement's name on PostgreSQL, from its text: the same on every connection, never one name for two texts. */
function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (name === undefined) {
    if (statementNames.size >= 1_000) statementNames.clear();
    name = `sopflow_${createHash('sha1').update(sql).digest('hex').slice(0, 24)}`;
    statementNames.set(sql, name);
  }
  return name;
}

/** `?` placeholders as PostgreSQL's `$1, $2, …` (the statement holds no other question mark). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** True when a write failed on a unique constraint, on either database. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** The rows of a `raw` SELECT or `RETURNING` statement, on either database; none for other statements. */
export function rowsOf<T>(result: unknown): T[] {
  // better-sqlite3 answers a statement without RETURNING with `{changes}`, no rows.
  return Array.isArray(result) ? (result as T[]) : ((result as { rows?: T[] }).rows ?? []);
}

/** How many rows a `raw` UPDATE changed, on either database. */
export function changesOf(result: unknown): number {
  const outcome = result as { changes?: number; rowCount?: number | null };
  return outcome.changes ?? outcome.rowCount ?? 0;
}

const valueLists = new Map<string, string>();

/** `(?, ?), (?, ?)`: the VALUES of a multi-row statement of `rows` rows of `columns` columns. */
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
 * sent for no rows; many rows go a few hundred to a statement. Answers the rows the statements returned.
 */
export async function writeRows<T = unknown>(trx: Transaction, head: string, rows: readonly SqlValue[][], tail = ''): Promise<T[]> {
  const returned: T[] = [];
  for (let from = 0; from < rows.length; from += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(from, from + ROWS_PER_STATEMENT);
    returned.push(...rowsOf<T>(await trx.raw(`${head} VALUES ${valuesSql(chunk.length, chunk[0]!.length)}${tail}`, chunk.flat())));
  }
  return returned;
}

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { DatabaseConfig } from '../../../server/config.js';

/** The PostgreSQL server the bench uses unless SOPFLOW_BENCH_PG_URL names another. */
export const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

export type Durability = 'NORMAL' | 'FULL';

/** Where one part of the runtime section keeps its data: a fresh SQLite file or a fresh PostgreSQL schema. */
export interface BenchDatabase {
  kind: 'sqlite' | 'pg';
  config: DatabaseConfig;
  drop(): Promise<void>;
}

/**
 * Hands out databases for one bench run: SQLite files in one temporary folder, PostgreSQL schemas named
 * `bench_<random>`; `dropAll` removes every one of them, whatever happened in between.
 */
export class BenchDatabases {
  private readonly folder = mkdtempSync(join(tmpdir(), 'sopflow-bench-'));
  private readonly created: BenchDatabase[] = [];
  private files = 0;

  constructor(readonly pgUrl: string) {}

  /** A path for a raw SQLite file in the run's folder. */
  sqliteFile(label: string): string {
    return join(this.folder, `${++this.files}-${label}.sqlite`);
  }

  sqlite(label: string, synchronous: Durability = 'FULL'): BenchDatabase {
    const database: BenchDatabase = {
      kind: 'sqlite',
      config: { client: 'sqlite', filename: this.sqliteFile(label), synchronous },
      drop: () => Promise.resolve(),
    };
    this.created.push(database);
    return database;
  }

  /** A fresh, still empty schema name; SOPflow creates the schema when it opens the database. */
  pg(): BenchDatabase {
    const schema = freshSchemaName();
    const database: BenchDatabase = {
      kind: 'pg',
      config: { client: 'pg', connectionString: this.pgUrl, schema },
      drop: () => dropSchema(this.pgUrl, schema),
    };
    this.created.push(database);
    return database;
  }

  async dropAll(): Promise<void> {
    for (const database of this.created.splice(0)) await database.drop();
    rmSync(this.folder, { recursive: true, force: true });
  }
}

export function freshSchemaName(): string {
  return `bench_${randomBytes(5).toString('hex')}`;
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** Undefined when PostgreSQL answers at `url`, else why not (for the "skipped" line). */
export async function postgresUnreachable(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
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

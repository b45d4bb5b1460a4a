import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseConfig } from '../../../server/shared/config.js';
import { dropSchema } from '../../../test/helpers/postgres.js';

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

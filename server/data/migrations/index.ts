import type { Knex } from 'knex';
import * as initial from './2026-11-23-01-initial.js';
import * as sessions from './2026-11-23-03-sessions.js';
import * as ticketCreator from './2026-11-23-04-ticket-creator.js';
import * as ticketLevel from './2026-11-23-05-ticket-level.js';

// Migrations are listed here rather than discovered on disk, so they run the same from TypeScript
// sources, tests and the CLI. Append; never edit one that has shipped.
const migrations: Record<string, Knex.Migration> = {
  '2026-11-23-01-initial': initial,
  '2026-11-23-03-sessions': sessions,
  '2026-11-23-04-ticket-creator': ticketCreator,
  '2026-11-23-05-ticket-level': ticketLevel,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: () => Promise.resolve(Object.keys(migrations)),
  getMigrationName: (name) => name,
  getMigration: (name) => Promise.resolve(migrations[name]!),
};

import type { Knex } from 'knex';
import * as initial from './2026-11-23-01-initial.js';
import * as sessions from './2026-11-23-03-sessions.js';
import * as ticketCreator from './2026-11-23-04-ticket-creator.js';
import * as ticketLevel from './2026-11-23-05-ticket-level.js';
import * as executionTables from './2026-11-23-06-execution-tables.js';
import * as lanesAndReads from './2026-11-23-07-lanes-and-reads.js';
import * as rateLimits from './2026-11-23-08-rate-limits.js';
import * as stagedImports from './2026-11-23-09-staged-imports.js';
import * as ticketRowVersion from './2026-12-04-10-ticket-row-version.js';
import * as peopleAndAudit from './2026-12-04-11-people-and-audit.js';
import * as incidents from './2026-12-04-12-incidents.js';
import * as analytics from './2026-12-05-13-analytics.js';
import * as reports from './2026-12-05-14-reports.js';
import * as workflowDrafts from './2026-12-05-15-workflow-drafts.js';
import * as stepLogFields from './2026-12-05-17-step-log-fields.js';
import * as routing from './2026-12-05-16-routing.js';
import * as stepLogInstance from './2026-12-06-18-step-log-instance.js';
import * as signals from './2026-12-06-19-signals.js';
import * as channelCapacity from './2026-12-06-20-channel-capacity.js';
import * as analyticsRollups from './2026-12-06-21-analytics-rollups.js';
import * as unusedIndexes from './2026-12-06-22-unused-indexes.js';
import * as draftRevisions from './2026-12-06-23-draft-revisions.js';
import * as stagedImportBasis from './2026-12-06-24-staged-import-basis.js';
import * as stagedImportApplied from './2026-12-06-25-staged-import-applied.js';

// Migrations are listed here rather than discovered on disk, so they run the same from TypeScript
// sources, tests and the CLI. Append; never edit one that has shipped.
const migrations: Record<string, Knex.Migration> = {
  '2026-11-23-01-initial': initial,
  '2026-11-23-03-sessions': sessions,
  '2026-11-23-04-ticket-creator': ticketCreator,
  '2026-11-23-05-ticket-level': ticketLevel,
  '2026-11-23-06-execution-tables': executionTables,
  '2026-11-23-07-lanes-and-reads': lanesAndReads,
  '2026-11-23-08-rate-limits': rateLimits,
  '2026-11-23-09-staged-imports': stagedImports,
  '2026-12-04-10-ticket-row-version': ticketRowVersion,
  '2026-12-04-11-people-and-audit': peopleAndAudit,
  '2026-12-04-12-incidents': incidents,
  '2026-12-05-13-analytics': analytics,
  '2026-12-05-14-reports': reports,
  '2026-12-05-15-workflow-drafts': workflowDrafts,
  '2026-12-05-17-step-log-fields': stepLogFields,
  '2026-12-05-16-routing': routing,
  '2026-12-06-18-step-log-instance': stepLogInstance,
  '2026-12-06-19-signals': signals,
  '2026-12-06-20-channel-capacity': channelCapacity,
  '2026-12-06-21-analytics-rollups': analyticsRollups,
  '2026-12-06-22-unused-indexes': unusedIndexes,
  '2026-12-06-23-draft-revisions': draftRevisions,
  '2026-12-06-24-staged-import-basis': stagedImportBasis,
  '2026-12-06-25-staged-import-applied': stagedImportApplied,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: () => Promise.resolve(Object.keys(migrations)),
  getMigrationName: (name) => name,
  getMigration: (name) => Promise.resolve(migrations[name]!),
};

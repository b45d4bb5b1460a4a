import type { Workflow } from '../../engine/workflow.js';
import { appendAudit, type AuditEntry } from '../audit/audit-repository.js';
import { isUniqueViolation, type Database, type Transaction } from '../database.js';

/** A published version without its compiled workflow. */
export interface WorkflowVersionHeader {
  id: number;
  key: string;
  version: number;
  name: string;
  checksum: string;
  publishedAt: number;
  publishedBy: string;
}

/** A published version as stored; its compiled workflow is parsed only when asked for (callers cache it). */
export interface StoredWorkflowVersion extends WorkflowVersionHeader {
  workflow(): Workflow;
}

export interface NewWorkflowVersion {
  key: string;
  version: number;
  name: string;
  sourceBpmn: string;
  workflow: Workflow;
  checksum: string;
  publishedAt: number;
  publishedBy: string;
}

export type PublishOutcome =
  | { kind: 'created'; version: StoredWorkflowVersion }
  | { kind: 'unchanged'; version: StoredWorkflowVersion }
  /** Another writer took the version number `next` chose: nothing was written. */
  | { kind: 'taken'; version: number };

/** The `workflows` table: one row per published version, never changed once written. */
export interface WorkflowRepository {
  /**
   * In one transaction, reads the latest version of `key` and asks `next` what to publish after it:
   * undefined keeps the latest (answered as `unchanged`; `next` returns undefined only when there is one).
   * `audit` names the audit entries of a version created, written in the same transaction.
   */
  publish(key: string, next: (latest: StoredWorkflowVersion | undefined) => NewWorkflowVersion | undefined, audit?: AuditOf): Promise<PublishOutcome>;
  latest(key: string): Promise<StoredWorkflowVersion | undefined>;
  version(key: string, version: number): Promise<StoredWorkflowVersion | undefined>;
  byId(id: number): Promise<StoredWorkflowVersion | undefined>;
  /** Every version of `key`, newest first. */
  history(key: string): Promise<WorkflowVersionHeader[]>;
  /** The row id of each workflow's latest version, by key. */
  latestIds(): Promise<number[]>;
}

interface VersionRow {
  id: number;
  key: string;
  version: number;
  name: string;
  checksum: string;
  published_at: number;
  published_by: string;
  compiled?: string;
}

/** The audit entries of a version about to be created (who published what, with the diff). */
export type AuditOf = (created: NewWorkflowVersion) => AuditEntry[];

const HEADER_COLUMNS = ['id', 'key', 'version', 'name', 'checksum', 'published_at', 'published_by'];
const COLUMNS = [...HEADER_COLUMNS, 'compiled'];

function headerOf(row: VersionRow): WorkflowVersionHeader {
  return {
    id: row.id,
    key: row.key,
    version: row.version,
    name: row.name,
    checksum: row.checksum,
    publishedAt: row.published_at,
    publishedBy: row.published_by,
  };
}

function storedOf(row: VersionRow, compiled: string): StoredWorkflowVersion {
  return { ...headerOf(row), workflow: () => JSON.parse(compiled) as Workflow };
}

function found(row: VersionRow | undefined): StoredWorkflowVersion | undefined {
  return row && storedOf(row, row.compiled!);
}

export class KnexWorkflowRepository implements WorkflowRepository {
  constructor(private readonly db: Database) {}

  publish(key: string, next: (latest: StoredWorkflowVersion | undefined) => NewWorkflowVersion | undefined, audit?: AuditOf): Promise<PublishOutcome> {
    return this.db.write((trx) => publishIn(trx, key, next, audit));
  }

  async latest(key: string): Promise<StoredWorkflowVersion | undefined> {
    return found((await this.db.knex('workflows').where({ key }).orderBy('version', 'desc').first(COLUMNS)) as VersionRow | undefined);
  }

  async version(key: string, version: number): Promise<StoredWorkflowVersion | undefined> {
    return found((await this.db.knex('workflows').where({ key, version }).first(COLUMNS)) as VersionRow | undefined);
  }

  async byId(id: number): Promise<StoredWorkflowVersion | undefined> {
    return found((await this.db.knex('workflows').where({ id }).first(COLUMNS)) as VersionRow | undefined);
  }

  async history(key: string): Promise<WorkflowVersionHeader[]> {
    const rows = (await this.db.knex('workflows').where({ key }).orderBy('version', 'desc').select(HEADER_COLUMNS)) as VersionRow[];
    return rows.map(headerOf);
  }

  async latestIds(): Promise<number[]> {
    const latest = this.db.knex('workflows').select('key').max({ version: 'version' }).groupBy('key').as('latest');
    const rows = (await this.db
      .knex('workflows as w')
      .join(latest, (on) => on.on('w.key', 'latest.key').andOn('w.version', 'latest.version'))
      .orderBy('w.key')
      .select('w.id')) as Array<{ id: number }>;
    return rows.map((row) => row.id);
  }
}

/**
 * A newer version makes every editor opened on the one before stale: the draft revision moves on (kept as a
 * counter, with no saved draft, when there is none), so their saves are refused. A saved draft stays as it
 * is: publishing it is refused until it is based on the latest version (services/workflows/workflow-drafts.ts).
 */
async function moveDraftRevision(trx: Transaction, key: string, at: number, by: string): Promise<void> {
  const moved = await trx('workflow_drafts')
    .where({ key, saved: false })
    .update({ revision: trx.raw('revision + 1'), updated_at: at, updated_by: by });
  if (moved) return;
  if (await trx('workflow_drafts').where({ key }).first('key')) return;
  await trx('workflow_drafts').insert({ key, bpmn: '', revision: 1, based_on_version: null, created_at: at, updated_at: at, updated_by: by, saved: false });
}

/**
 * In the caller's transaction: reads the latest version of `key`, asks `next` what follows it and inserts that
 * with its audit entries. The drafts repository publishes a draft through it, closing the draft alongside.
 */
export async function publishIn(
  trx: Transaction,
  key: string,
  next: (latest: StoredWorkflowVersion | undefined) => NewWorkflowVersion | undefined,
  audit?: AuditOf,
): Promise<PublishOutcome> {
  const latest = found((await trx('workflows').where({ key }).orderBy('version', 'desc').first(COLUMNS)) as VersionRow | undefined);
  const candidate = next(latest);
  if (!candidate) return { kind: 'unchanged', version: latest! };
  const row = {
    key: candidate.key,
    version: candidate.version,
    name: candidate.name,
    source_bpmn: candidate.sourceBpmn,
    compiled: JSON.stringify(candidate.workflow),
    checksum: candidate.checksum,
    published_at: candidate.publishedAt,
    published_by: candidate.publishedBy,
  };
  try {
    // A savepoint: a version number taken meanwhile must not abort the caller's transaction on PostgreSQL.
    const inserted = await trx.transaction(async (inner) => ((await inner('workflows').insert(row).returning('id')) as Array<{ id: number }>)[0]!);
    if (audit) await appendAudit(trx, audit(candidate));
    if (candidate.version > 1) await moveDraftRevision(trx, key, candidate.publishedAt, candidate.publishedBy);
    // Handed out as read back later, so a cached version never depends on which way it came.
    return { kind: 'created', version: storedOf({ ...row, id: inserted.id }, row.compiled) };
  } catch (error) {
    if (isUniqueViolation(error)) return { kind: 'taken', version: candidate.version };
    throw error;
  }
}

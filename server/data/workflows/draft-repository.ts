import { appendAudit, type AuditEntry } from '../audit/audit-repository.js';
import { isUniqueViolation, type Database, type Transaction } from '../database.js';
import { publishIn, type AuditOf, type NewWorkflowVersion, type PublishOutcome, type StoredWorkflowVersion } from './workflow-repository.js';

/** The one shared draft of a workflow, as stored. */
export interface WorkflowDraft {
  key: string;
  /** Empty when nothing is saved. */
  bpmn: string;
  /**
   * Grows by one with every save, publish, discard and newer version, and never repeats: a save states the
   * revision it was based on.
   */
  revision: number;
  /** False: nothing saved since the latest version; the row keeps only the revision. */
  saved: boolean;
  basedOnVersion: number | null;
  createdAt: number;
  updatedAt: number;
  updatedBy: string;
}

export interface DraftWrite {
  key: string;
  bpmn: string;
  /** The revision the editor loaded (0: no draft existed). */
  baseRevision: number;
  basedOnVersion: number | null;
  at: number;
  by: string;
}

/** A save either lands as the next revision, or is refused because the stored draft moved on (or went away). */
export type DraftSaveOutcome = { kind: 'saved'; draft: WorkflowDraft } | { kind: 'stale'; current: WorkflowDraft | undefined };

export type DraftPublishOutcome = PublishOutcome | { kind: 'stale'; current: WorkflowDraft | undefined };

export type DraftDiscardOutcome = { kind: 'discarded'; revision: number } | { kind: 'stale'; current: WorkflowDraft | undefined };

/** The `workflow_drafts` table: one draft per workflow key, saved with optimistic concurrency. */
export interface WorkflowDraftRepository {
  get(key: string): Promise<WorkflowDraft | undefined>;
  /** Saves when the stored revision is still `baseRevision`; the audit entry is written in the same transaction. */
  save(write: DraftWrite, audit: AuditEntry): Promise<DraftSaveOutcome>;
  /**
   * In one transaction: checks the draft is still at `revision`, publishes the next version (as
   * `WorkflowRepository.publish` does) with its audit entries, and closes the draft (the revision moves on).
   */
  publish(
    key: string,
    revision: number,
    next: (latest: StoredWorkflowVersion | undefined) => NewWorkflowVersion | undefined,
    audit: AuditOf,
  ): Promise<DraftPublishOutcome>;
  /** Drops the saved draft when it is still at `revision` (the revision moves on), with its audit entry. */
  discard(key: string, revision: number, at: number, by: string, audit: AuditEntry): Promise<DraftDiscardOutcome>;
}

interface DraftRow {
  key: string;
  bpmn: string;
  revision: number;
  based_on_version: number | null;
  created_at: number | string;
  updated_at: number | string;
  updated_by: string;
  saved: boolean | number;
}

function draftOf(row: DraftRow): WorkflowDraft {
  return {
    key: row.key,
    bpmn: row.bpmn,
    revision: Number(row.revision),
    basedOnVersion: row.based_on_version === null ? null : Number(row.based_on_version),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    updatedBy: row.updated_by,
    saved: Boolean(row.saved),
  };
}

/** The row of a draft with nothing saved, at `revision`. */
const closed = (revision: number, at: number, by: string) => ({ bpmn: '', revision, saved: false, updated_at: at, updated_by: by });

export class KnexWorkflowDraftRepository implements WorkflowDraftRepository {
  constructor(private readonly db: Database) {}

  async get(key: string): Promise<WorkflowDraft | undefined> {
    const row = (await this.db.knex('workflow_drafts').where({ key }).first()) as DraftRow | undefined;
    return row && draftOf(row);
  }

  save(write: DraftWrite, audit: AuditEntry): Promise<DraftSaveOutcome> {
    return this.db.write(async (trx): Promise<DraftSaveOutcome> => {
      const current = await this.locked(trx, write.key);
      const revision = current?.revision ?? 0;
      if (revision !== write.baseRevision) return { kind: 'stale', current };
      const continued = current?.saved ? current : undefined;
      const row: DraftRow = {
        key: write.key,
        bpmn: write.bpmn,
        revision: revision + 1,
        based_on_version: continued ? continued.basedOnVersion : write.basedOnVersion,
        created_at: continued?.createdAt ?? write.at,
        updated_at: write.at,
        updated_by: write.by,
        saved: true,
      };
      if (current) {
        // The revision in the WHERE as well: two PostgreSQL writers that both read the old row cannot both win.
        const updated = await trx('workflow_drafts').where({ key: write.key, revision }).update(row);
        if (updated !== 1) return { kind: 'stale', current: await this.get(write.key) };
      } else {
        try {
          // A savepoint: another first save that won the race must not abort this transaction on PostgreSQL.
          await trx.transaction((inner) => inner('workflow_drafts').insert(row));
        } catch (error) {
          if (isUniqueViolation(error)) return { kind: 'stale', current: undefined };
          throw error;
        }
      }
      await appendAudit(trx, [audit]);
      return { kind: 'saved', draft: draftOf(row) };
    });
  }

  publish(
    key: string,
    revision: number,
    next: (latest: StoredWorkflowVersion | undefined) => NewWorkflowVersion | undefined,
    audit: AuditOf,
  ): Promise<DraftPublishOutcome> {
    return this.db.write(async (trx): Promise<DraftPublishOutcome> => {
      const current = await this.locked(trx, key);
      if (!current?.saved || current.revision !== revision) return { kind: 'stale', current };
      const outcome = await publishIn(trx, key, next, audit);
      if (outcome.kind === 'created') {
        const { publishedAt, publishedBy } = outcome.version;
        await trx('workflow_drafts').where({ key, revision }).update(closed(revision + 1, publishedAt, publishedBy));
      }
      return outcome;
    });
  }

  discard(key: string, revision: number, at: number, by: string, audit: AuditEntry): Promise<DraftDiscardOutcome> {
    return this.db.write(async (trx): Promise<DraftDiscardOutcome> => {
      const current = await this.locked(trx, key);
      if (!current?.saved || current.revision !== revision) return { kind: 'stale', current };
      await trx('workflow_drafts').where({ key, revision }).update(closed(revision + 1, at, by));
      await appendAudit(trx, [audit]);
      return { kind: 'discarded', revision: revision + 1 };
    });
  }

  private async locked(trx: Transaction, key: string): Promise<WorkflowDraft | undefined> {
    const row = (await this.db.forUpdate(trx('workflow_drafts').where({ key })).first()) as DraftRow | undefined;
    return row && draftOf(row);
  }
}

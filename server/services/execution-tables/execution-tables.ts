import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../shared/clock.js';
import { DEFAULT_WORKBOOK_LIMITS, overChars, type WorkbookLimits } from '../../shared/config.js';
import { ownersOf } from '../../engine/workflow.js';
import type { Users } from '../users/users.js';
import type { WorkflowLibrary } from '../workflows/workflow-library.js';
import type { ExecutionTableRepository, TableChange } from '../../data/execution-tables/repository.js';
import { ConflictError, NotFoundError, ValidationError, type FieldProblem } from '../../shared/errors.js';
import type { Formatter } from '../../shared/i18n.js';
import {
  contentOf,
  diffRow,
  emptyRow,
  isIsoDate,
  progressOf,
  rowProblems,
  TABLE_NAME_LIMIT,
  withPlainLineBreaks,
  type ExecutionRow,
  type ExecutionTable,
  type Progress,
  type RowContent,
  type RowHistoryEntry,
  type TableHeader,
} from './execution-table.js';
import { readExecutionTableWorkbook, type WorkbookRow } from './excel/import-workbook.js';
import { WorkbookReaders } from './excel/read-in-worker.js';
import { planImport, type ImportPlan } from './import-plan.js';
import type { KpiMeasurer, Measurement } from './kpi-measure.js';
import { creation, deletion, importWrites, insertion, move } from './row-writes.js';
import type { ExecutionTableTemplates } from './templates.js';

export interface ExecutionTableSummary extends TableHeader {
  progress: Progress;
}

export interface NewExecutionTable {
  name: string;
  startDate: string;
  owner?: string;
  template?: string;
  /** The language the template's rows are written in. */
  locale?: 'zh-CN' | 'en';
  workflows?: string[];
}

/** An upload waits this long for its preview to be confirmed. */
const STAGED_IMPORT_MS = 24 * 60 * 60 * 1000;
/**
 * A change worked out from rows another writer changed meanwhile is worked out again, this many times at
 * most. Each refusal means another change landed, so only a storm of edits to the same rows runs them out.
 */
const ATTEMPTS = 25;

function checkRow(row: RowContent, where = 'the row'): void {
  const problems = rowProblems(row);
  if (problems.length > 0) throw new ValidationError(`${where} is not valid: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`, problems);
}

function checkPosition(position: number | undefined): void {
  if (position !== undefined && (!Number.isSafeInteger(position) || position < 1)) {
    throw new ValidationError('position must be a whole number from 1', [{ field: 'position', message: 'must be a whole number from 1' }]);
  }
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high);
}

/** What a change writes, worked out from the table as read (see `commit`). */
type Work = Pick<TableChange, 'expect' | 'staging' | 'writes'>;

/**
 * Optimization projects and their execution tables. Every change to a row — made in the page, over the API
 * or by an imported workbook — is written together with its history entry, in one transaction. A change is
 * worked out from the rows as read and written only if they are still so; else it is worked out again.
 */
export class ExecutionTables {
  constructor(
    private readonly repository: ExecutionTableRepository,
    private readonly clock: Clock,
    private readonly templates: ExecutionTableTemplates,
    private readonly users: Users,
    private readonly workflows: WorkflowLibrary,
    /** Measures rows' KPI targets with the metric engine. */
    private readonly measurer: KpiMeasurer,
    /** What an uploaded workbook may cost (the WORKBOOK_* settings). */
    readonly workbookLimits: WorkbookLimits = DEFAULT_WORKBOOK_LIMITS,
    /** The workbook reader's module prebuilt as JavaScript, where there is one (`OpenOptions.workbookWorker`). */
    workbookWorker?: URL,
  ) {
    this.workbookReaders = new WorkbookReaders(workbookLimits, workbookWorker);
  }

  /** The worker threads that read uploaded workbooks, kept between uploads. */
  private readonly workbookReaders: WorkbookReaders;

  /** Starts a workbook reader thread now, so that the first upload (a server's) does not wait for one. */
  warmWorkbookReaders(): void {
    this.workbookReaders.warm();
  }

  /** Ends the workbook readers' threads. */
  close(): Promise<void> {
    return this.workbookReaders.close();
  }

  async create(input: NewExecutionTable, actor: string): Promise<ExecutionTable> {
    const problems: FieldProblem[] = [];
    if (input.name.trim() === '') problems.push({ field: 'name', message: 'is required', code: 'required' });
    if (overChars(input.name.trim(), TABLE_NAME_LIMIT))
      problems.push({ field: 'name', message: `is longer than ${TABLE_NAME_LIMIT} characters`, code: 'tooLong', values: { limit: TABLE_NAME_LIMIT } });
    if (!isIsoDate(input.startDate))
      problems.push({ field: 'startDate', message: `"${input.startDate}" is not a date (YYYY-MM-DD)`, code: 'notADate', values: { value: input.startDate } });
    const known = input.workflows?.length ? await this.workflowKeys() : new Set<string>();
    for (const [i, key] of (input.workflows ?? []).entries())
      if (!known.has(key)) problems.push({ field: `workflows[${i}]`, message: `no workflow "${key}"`, code: 'workflowUnknown', values: { value: key } });
    if (problems.length > 0) throw new ValidationError('the new execution table is not valid', problems);
    const rows = input.template ? this.templates.instantiate(input.template, { startDate: input.startDate, locale: input.locale ?? 'zh-CN' }) : [];
    const id = await this.repository.create(
      {
        name: input.name.trim(),
        owner: (input.owner ?? actor).trim(),
        startDate: input.startDate,
        template: input.template ?? null,
        workflows: input.workflows ?? [],
        createdAt: this.clock.now(),
        createdBy: actor,
      },
      rows.map((content) => ({ content, history: creation(content, 'created') })),
    );
    return this.get(id);
  }

  async list(): Promise<ExecutionTableSummary[]> {
    return (await this.repository.list()).map(({ statuses, ...table }) => ({ ...table, progress: progressOf(statuses) }));
  }

  async summary(id: number): Promise<TableHeader> {
    const table = await this.repository.table(id);
    if (!table) throw new NotFoundError(`no execution table ${id}`);
    return table;
  }

  async get(id: number): Promise<ExecutionTable> {
    const table = await this.summary(id);
    return { ...table, rows: await this.repository.rows(id) };
  }

  /** The rows in order, read a page at a time: a table of any size streams in flat memory. */
  rows(id: number): AsyncGenerator<ExecutionRow> {
    return this.repository.streamRows(id);
  }

  async row(tableId: number, rowId: number): Promise<ExecutionRow> {
    const row = await this.repository.row(tableId, rowId);
    if (!row) throw new NotFoundError(`execution table ${tableId} has no row ${rowId}`);
    return row;
  }

  /** Adds a row (at `position`, default last); fields not given are empty. */
  async addRow(tableId: number, input: Partial<RowContent> & { position?: number }, actor: string): Promise<ExecutionRow> {
    const { position, ...given } = input;
    checkPosition(position);
    const content = { ...emptyRow(), ...withPlainLineBreaks(given) };
    checkRow(content, 'the new row');
    await this.checkTargetWorkflow(content);
    const [id] = await this.commit(tableId, actor, async () => {
      const count = await this.repository.rowCount(tableId);
      return { expect: { rows: [], count }, writes: insertion(clamp(position ?? count + 1, 1, count + 1), content) };
    });
    return this.row(tableId, id!);
  }

  /** Changes the fields given; the row's history records each changed field. Moving is `position`. */
  async updateRow(tableId: number, rowId: number, patch: Partial<RowContent> & { position?: number }, actor: string): Promise<ExecutionRow> {
    const { position, ...given } = patch;
    checkPosition(position);
    const fields = withPlainLineBreaks(given);
    await this.commit(tableId, actor, async () => {
      const before = await this.row(tableId, rowId);
      const after = contentOf({ ...before, ...fields });
      checkRow(after);
      await this.checkTargetWorkflow(after);
      const changes = diffRow(before, after);
      const writes: TableChange['writes'] =
        Object.keys(changes).length > 0 ? [{ kind: 'update', id: rowId, content: after, history: { action: 'updated', changes } }] : [];
      if (position === undefined || position === before.position) return { expect: { rows: [before] }, writes };
      const count = await this.repository.rowCount(tableId);
      return { expect: { rows: [before], count }, writes: [...writes, ...move(before, clamp(position, 1, count))] };
    });
    return this.row(tableId, rowId);
  }

  /** Answers the row as it was deleted. */
  async deleteRow(tableId: number, rowId: number, actor: string): Promise<ExecutionRow> {
    let deleted: ExecutionRow | undefined;
    await this.commit(tableId, actor, async () => {
      deleted = await this.row(tableId, rowId);
      return { expect: { rows: [deleted] }, writes: deletion(deleted) };
    });
    return deleted!;
  }

  /** The rows' KPI targets measured now, by row id; rows without a target are absent. */
  measure(table: Pick<TableHeader, 'workflows'>, rows: Iterable<Pick<ExecutionRow, 'id' | 'kpi'>>): Promise<Map<number, Measurement>> {
    const targets = [...rows].flatMap((row) => (row.kpi ? [{ rowId: row.id, kpi: row.kpi }] : []));
    return targets.length ? this.measurer.measure(targets, table.workflows) : Promise.resolve(new Map());
  }

  /** Over how many days up to now a KPI target is measured (KPI_TARGET_WINDOW_DAYS). */
  get kpiWindowDays(): number {
    return this.measurer.settings.windowDays;
  }

  /**
   * Sets a row whose KPI target is missed to needs optimization (需优化); its history keeps the measurement it
   * was flagged on. Refused (409) when the row has no target, or its target is met or has nothing measured;
   * a row flagged already is answered as it is.
   */
  async flagRow(tableId: number, rowId: number, actor: string): Promise<{ row: ExecutionRow; measurement: Measurement }> {
    const table = await this.summary(tableId);
    let measurement: Measurement | undefined;
    await this.commit(tableId, actor, async () => {
      const before = await this.row(tableId, rowId);
      if (!before.kpi) throw new ConflictError(`row ${rowId} has no KPI target`, { reason: 'no_target' });
      measurement = (await this.measure(table, [before])).get(rowId)!;
      if (measurement.met !== false)
        throw new ConflictError(measurement.met ? 'the KPI target is met' : 'nothing was measured for this KPI target yet', {
          reason: measurement.met ? 'met' : 'not_measured',
          measurement,
        });
      if (before.status === 'needs_optimization') return { writes: [] };
      const after: RowContent = { ...contentOf(before), status: 'needs_optimization' };
      // With the target it was measured against: the history reads alone, whatever the target becomes.
      const { metric, comparison, target } = before.kpi;
      const changes = { status: { from: before.status, to: after.status }, measured: { from: null, to: { ...measurement, metric, comparison, target } } };
      return { expect: { rows: [before] }, writes: [{ kind: 'update', id: rowId, content: after, history: { action: 'flagged', changes } }] };
    });
    return { row: await this.row(tableId, rowId), measurement: measurement! };
  }

  /** A target's workflow must be one SOPflow has. */
  private async checkTargetWorkflow(row: RowContent): Promise<void> {
    const key = row.kpi?.workflow;
    if (key === undefined || (await this.workflowKeys()).has(key)) return;
    const problem = { field: 'kpi.workflow', message: `no workflow "${key}"`, code: 'workflowUnknown', values: { value: key } };
    throw new ValidationError(`the row is not valid: kpi.workflow ${problem.message}`, [problem]);
  }

  private async workflowKeys(): Promise<Set<string>> {
    return new Set((await this.workflows.list()).map((workflow) => workflow.key));
  }

  /** A row's history, newest first; without `rowId`, the whole table's (deleted rows included). */
  async history(tableId: number, rowId?: number): Promise<RowHistoryEntry[]> {
    await this.summary(tableId);
    return this.repository.history(tableId, rowId);
  }

  /**
   * Owners an imported workbook may name without being refused, lower-cased: users (email or name), the
   * roles the table's rows already name, and the step owners (lanes) of the workflows it optimizes.
   */
  async knownOwners(tableId: number): Promise<Set<string>> {
    const table = await this.summary(tableId);
    const rowOwners = await this.repository.owners(tableId);
    const users = (await this.users.list()).flatMap((user) => [user.email, user.name]);
    const versions = await Promise.all(table.workflows.map((key) => this.workflows.latest(key).catch(() => undefined)));
    const lanes = ownersOf(versions.flatMap((version) => (version ? [version.workflow] : [])));
    return new Set([...rowOwners, ...users, ...lanes].filter((owner) => owner.trim() !== '').map((owner) => owner.trim().toLowerCase()));
  }

  /** The rows of an uploaded workbook, checked against what the table knows (its owners); see `readExecutionTableWorkbook`. */
  async readWorkbook(tableId: number, data: Buffer, formatters: Formatter[]): Promise<WorkbookRow[]> {
    const [owners, workflows, rows] = await Promise.all([this.knownOwners(tableId), this.workflowKeys(), this.repository.rows(tableId)]);
    const ids = new Set(rows.map((row) => row.id));
    return readExecutionTableWorkbook(data, {
      formatters,
      isKnownOwner: (owner) => owners.has(owner.trim().toLowerCase()),
      isKnownWorkflow: (key) => workflows.has(key),
      isKnownRowId: (id) => ids.has(id),
      readers: this.workbookReaders,
    });
  }

  /** What applying an imported workbook would change; nothing is written. */
  async previewImport(tableId: number, incoming: WorkbookRow[]): Promise<ImportPlan> {
    const table = await this.get(tableId);
    return planImport(table.rows, incoming);
  }

  /**
   * Applies an imported workbook as one transaction: rows added, changed, removed and put in the file's
   * order, each with its history. The plan is made against the table as it is when written, so an edit made
   * meanwhile is neither lost silently nor half-applied; a staged upload whose preview was made from other rows
   * (`basis`) is refused with 409: applying it would delete or undo what the preview never showed.
   */
  async applyImport(tableId: number, incoming: WorkbookRow[], actor: string, staged?: { id: string; basis: string }): Promise<ImportPlan> {
    await this.summary(tableId);
    let plan: ImportPlan | undefined;
    await this.commit(tableId, actor, async () => {
      const rows = await this.repository.rows(tableId);
      if (staged?.basis && basisOf(rows) !== staged.basis) {
        // The rows may have changed by this very upload, applied meanwhile from another press or tab.
        if ((await this.repository.staged(staged.id, tableId, actor))?.appliedAt !== undefined) throw appliedAlready();
        throw new ConflictError(
          'the table changed after this preview was made: nothing was applied; upload the workbook again to see what it would change now',
          { reason: 'changed_since_preview', changedSincePreview: true },
        );
      }
      plan = planImport(rows, incoming);
      return { expect: { rows, count: rows.length }, staging: staged?.id, writes: importWrites(plan, rows) };
    });
    return plan!;
  }

  /**
   * Keeps the rows read from an upload until the manager confirms the preview; answers the staging id. A file
   * the table cannot take (say, an unknown row id) is refused now rather than after the manager confirms.
   */
  async stageImport(tableId: number, incoming: WorkbookRow[], actor: string): Promise<string> {
    await this.summary(tableId);
    const rows = await this.repository.rows(tableId);
    planImport(rows, incoming);
    const id = randomBytes(16).toString('hex');
    const now = this.clock.now();
    await this.repository.stage({ id, tableId, createdBy: actor, createdAt: now, rows: incoming, basis: basisOf(rows) }, now - STAGED_IMPORT_MS);
    return id;
  }

  /** The rows of a staged upload, for the person who uploaded it to this table only. */
  async stagedImport(tableId: number, stagingId: string, actor: string): Promise<WorkbookRow[]> {
    return (await this.staged(tableId, stagingId, actor)).rows;
  }

  /** Applies a staged upload (see `applyImport`) to the rows its preview showed, and marks it applied. */
  async applyStagedImport(tableId: number, stagingId: string, actor: string): Promise<ImportPlan> {
    const staged = await this.staged(tableId, stagingId, actor);
    return this.applyImport(tableId, staged.rows, actor, { id: stagingId, basis: staged.basis });
  }

  /** A staged upload waiting to be applied: 404 when unknown (or expired), 409 when applied already. */
  private async staged(tableId: number, stagingId: string, actor: string) {
    const staged = await this.repository.staged(stagingId, tableId, actor);
    if (staged?.appliedAt !== undefined) throw appliedAlready();
    if (!staged || staged.createdAt < this.clock.now() - STAGED_IMPORT_MS)
      throw new NotFoundError('this upload is no longer waiting to be applied; upload the workbook again');
    return staged;
  }

  /**
   * Writes what `work` works out from the table as it reads it; when another writer changed those rows before
   * the write, works it out again. Answers the ids of the rows inserted.
   */
  private async commit(tableId: number, actor: string, work: () => Promise<Work>): Promise<number[]> {
    for (let attempt = 1; ; attempt++) {
      const change = await work();
      if (change.writes.length === 0 && change.staging === undefined) return [];
      const outcome = await this.repository.apply({ tableId, actor, at: this.clock.now(), ...change });
      switch (outcome.kind) {
        case 'applied':
          return outcome.inserted;
        case 'noTable':
          throw new NotFoundError(`no execution table ${tableId}`);
        case 'stagingGone':
          // Applied meanwhile: a second press of the button (or another tab) found it waiting, then taken.
          throw appliedAlready();
        case 'stale':
          if (attempt >= ATTEMPTS) throw new ConflictError('the table kept changing while this change was written; try again');
          break;
        default: {
          const unknown: never = outcome;
          throw new Error(`unknown outcome ${JSON.stringify(unknown)}`);
        }
      }
    }
  }
}

/** A staged upload applied once already: a second apply changes nothing. */
function appliedAlready(): ConflictError {
  return new ConflictError('this upload was applied already; nothing more was changed', { reason: 'applied_already' });
}

/** The rows a plan is worked out from, as one value: the same rows, the same fingerprint. */
function basisOf(rows: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(rows)).digest('hex');
}

import { randomBytes } from 'node:crypto';
import type { Clock } from '../../shared/clock.js';
import { ownersOf } from '../../engine/workflow.js';
import type { Users } from '../users/users.js';
import type { WorkflowLibrary } from '../workflows/workflow-library.js';
import type { Database, Transaction } from '../../data/database.js';
import { ConflictError, NotFoundError, ValidationError, type FieldProblem } from '../../shared/errors.js';
import {
  contentOf,
  diffRow,
  emptyRow,
  isIsoDate,
  progressOf,
  rowProblems,
  ROW_FIELDS,
  type ExecutionRow,
  type ExecutionTable,
  type Progress,
  type HistoryAction,
  type RowChanges,
  type RowContent,
  type RowField,
  type RowHistoryEntry,
  type RowStatus,
} from './execution-table.js';
import type { WorkbookRow } from './excel/import-workbook.js';
import { planImport, type ImportPlan } from './import-plan.js';
import type { ExecutionTableTemplates } from './templates.js';

export interface ExecutionTableSummary extends Omit<ExecutionTable, 'rows'> {
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

/** Rows are read from the database in pages of this size when streamed (the Excel export of a huge table). */
const PAGE_ROWS = 1000;
/** An upload waits this long for its preview to be confirmed. */
const STAGED_IMPORT_MS = 24 * 60 * 60 * 1000;

interface TableRecord {
  id: number;
  name: string;
  owner: string;
  start_date: string;
  template: string | null;
  workflows: string;
  created_at: number;
  created_by: string;
}

interface RowRecord {
  id: number;
  table_id: number;
  position: number;
  phase: string;
  actions: string;
  owner: string;
  start_date: string | null;
  end_date: string | null;
  status: RowStatus;
  blockers: string;
  suggestions: string;
  notes: string;
  kpi: string | null;
  updated_at: number;
  updated_by: string;
}

interface HistoryRecord {
  id: number;
  row_id: number;
  at: number;
  actor: string;
  action: HistoryAction;
  changes: string;
}

function tableOf(record: TableRecord): Omit<ExecutionTable, 'rows'> {
  return {
    id: record.id,
    name: record.name,
    owner: record.owner,
    startDate: record.start_date,
    template: record.template,
    workflows: JSON.parse(record.workflows) as string[],
    createdAt: Number(record.created_at),
    createdBy: record.created_by,
  };
}

function rowOf(record: RowRecord): ExecutionRow {
  return {
    id: record.id,
    position: record.position,
    phase: record.phase,
    actions: record.actions,
    owner: record.owner,
    startDate: record.start_date,
    endDate: record.end_date,
    status: record.status,
    blockers: record.blockers,
    suggestions: record.suggestions,
    notes: record.notes,
    kpi: record.kpi ? (JSON.parse(record.kpi) as RowContent['kpi']) : null,
    updatedAt: Number(record.updated_at),
    updatedBy: record.updated_by,
  };
}


function recordOf(row: RowContent): Omit<RowRecord, 'id' | 'table_id' | 'position' | 'updated_at' | 'updated_by'> {
  return {
    phase: row.phase.trim(),
    actions: row.actions,
    owner: row.owner.trim(),
    start_date: row.startDate,
    end_date: row.endDate,
    status: row.status,
    blockers: row.blockers,
    suggestions: row.suggestions,
    notes: row.notes,
    kpi: row.kpi ? JSON.stringify(row.kpi) : null,
  };
}

function checkRow(row: RowContent, where = 'the row'): void {
  const problems = rowProblems(row);
  if (problems.length > 0) throw new ValidationError(`${where} is not valid: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`, problems);
}

/** What a deleted row held, kept in its history: every field, from its value to nothing. */
function removal(row: RowContent): RowChanges {
  const changes: RowChanges = {};
  for (const field of ROW_FIELDS) changes[field] = { from: row[field], to: null };
  return changes;
}

/**
 * Optimization projects and their execution tables, stored. Every change to a row — made in the page, over
 * the API or by an imported workbook — is written together with its history entry, in one transaction.
 */
export class ExecutionTables {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly templates: ExecutionTableTemplates,
    private readonly users: Users,
    private readonly workflows: WorkflowLibrary,
  ) {}

  async create(input: NewExecutionTable, actor: string): Promise<ExecutionTable> {
    const problems: FieldProblem[] = [];
    if (input.name.trim() === '') problems.push({ field: 'name', message: 'is required', code: 'required' });
    if (!isIsoDate(input.startDate)) problems.push({ field: 'startDate', message: `"${input.startDate}" is not a date (YYYY-MM-DD)`, code: 'notADate', values: { value: input.startDate } });
    if (problems.length > 0) throw new ValidationError('the new execution table is not valid', problems);
    const rows = input.template ? this.templates.instantiate(input.template, { startDate: input.startDate, locale: input.locale ?? 'zh-CN' }) : [];
    const id = await this.db.write(async (trx) => {
      const [created] = (await trx('execution_tables')
        .insert({
          name: input.name.trim(),
          owner: (input.owner ?? actor).trim(),
          start_date: input.startDate,
          template: input.template ?? null,
          workflows: JSON.stringify(input.workflows ?? []),
          created_at: this.clock.now(),
          created_by: actor,
        })
        .returning('id')) as Array<{ id: number }>;
      const tableId = created!.id;
      for (const [index, row] of rows.entries()) await this.insertRow(trx, tableId, index + 1, row, actor, 'created');
      return tableId;
    });
    return this.get(id);
  }

  async list(): Promise<ExecutionTableSummary[]> {
    const tables = (await this.db.knex('execution_tables').orderBy('created_at', 'desc')) as TableRecord[];
    const counts = (await this.db.knex('execution_rows').select('table_id', 'status').count({ n: '*' }).groupBy('table_id', 'status')) as Array<{
      table_id: number;
      status: RowStatus;
      n: number | string;
    }>;
    return tables.map((record) => {
      const statuses = Object.fromEntries(counts.filter((c) => c.table_id === record.id).map((c) => [c.status, Number(c.n)]));
      return { ...tableOf(record), progress: progressOf(statuses) };
    });
  }

  async summary(id: number): Promise<Omit<ExecutionTable, 'rows'>> {
    const record = (await this.db.knex('execution_tables').where({ id }).first()) as TableRecord | undefined;
    if (!record) throw new NotFoundError(`no execution table ${id}`);
    return tableOf(record);
  }

  async get(id: number): Promise<ExecutionTable> {
    const table = await this.summary(id);
    const rows = (await this.db.knex('execution_rows').where({ table_id: id }).orderBy('position')) as RowRecord[];
    return { ...table, rows: rows.map(rowOf) };
  }

  /** The rows in order, read a page at a time: a table of any size streams in flat memory. */
  async *rows(id: number): AsyncGenerator<ExecutionRow> {
    let after = 0;
    for (;;) {
      const page = (await this.db.knex('execution_rows').where({ table_id: id }).andWhere('position', '>', after).orderBy('position').limit(PAGE_ROWS)) as RowRecord[];
      for (const record of page) yield rowOf(record);
      if (page.length < PAGE_ROWS) return;
      after = page[page.length - 1]!.position;
    }
  }

  /** Adds a row (at `position`, default last); fields not given are empty. */
  async addRow(tableId: number, input: Partial<RowContent> & { position?: number }, actor: string): Promise<ExecutionRow> {
    const { position, ...fields } = input;
    const content = { ...emptyRow(), ...fields };
    checkRow(content, 'the new row');
    const id = await this.db.write(async (trx) => {
      await this.lockTable(trx, tableId);
      const count = await this.rowCount(trx, tableId);
      const at = Math.min(Math.max(position ?? count + 1, 1), count + 1);
      await trx('execution_rows').where({ table_id: tableId }).andWhere('position', '>=', at).increment('position', 1);
      return this.insertRow(trx, tableId, at, content, actor, 'created');
    });
    return this.row(tableId, id);
  }

  /** Changes the fields given; the row's history records each changed field. Moving is `position`. */
  async updateRow(tableId: number, rowId: number, patch: Partial<RowContent> & { position?: number }, actor: string): Promise<ExecutionRow> {
    const { position, ...fields } = patch;
    await this.db.write(async (trx) => {
      await this.lockTable(trx, tableId);
      const before = await this.rowIn(trx, tableId, rowId);
      const after = contentOf({ ...before, ...fields });
      checkRow(after);
      const changes = diffRow(before, after);
      const now = this.clock.now();
      if (Object.keys(changes).length > 0) {
        await trx('execution_rows')
          .where({ id: rowId })
          .update({ ...recordOf(after), updated_at: now, updated_by: actor });
        await this.record(trx, tableId, rowId, actor, 'updated', changes);
      }
      if (position !== undefined && position !== before.position) await this.move(trx, tableId, before, position, actor);
    });
    return this.row(tableId, rowId);
  }

  async deleteRow(tableId: number, rowId: number, actor: string): Promise<void> {
    await this.db.write(async (trx) => {
      await this.lockTable(trx, tableId);
      const row = await this.rowIn(trx, tableId, rowId);
      await trx('execution_rows').where({ id: rowId }).delete();
      await trx('execution_rows').where({ table_id: tableId }).andWhere('position', '>', row.position).decrement('position', 1);
      await this.record(trx, tableId, rowId, actor, 'deleted', removal(row));
    });
  }

  /** A row's history, newest first; without `rowId`, the whole table's (deleted rows included). */
  async history(tableId: number, rowId?: number): Promise<RowHistoryEntry[]> {
    await this.summary(tableId);
    const query = this.db.knex('execution_row_history').where({ table_id: tableId });
    if (rowId !== undefined) query.andWhere({ row_id: rowId });
    const records = (await query.orderBy('id', 'desc')) as HistoryRecord[];
    return records.map((r) => ({ id: Number(r.id), rowId: r.row_id, at: Number(r.at), actor: r.actor, action: r.action, changes: JSON.parse(r.changes) as RowChanges }));
  }

  async row(tableId: number, rowId: number): Promise<ExecutionRow> {
    const record = (await this.db.knex('execution_rows').where({ id: rowId, table_id: tableId }).first()) as RowRecord | undefined;
    if (!record) throw new NotFoundError(`execution table ${tableId} has no row ${rowId}`);
    return rowOf(record);
  }

  /**
   * Owners an imported workbook may name without being refused, lower-cased: users (email or name), the
   * roles the table's rows already name, and the step owners (lanes) of the workflows it optimizes.
   */
  async knownOwners(tableId: number): Promise<Set<string>> {
    const table = await this.summary(tableId);
    const rows = (await this.db.knex('execution_rows').distinct('owner').where({ table_id: tableId })) as Array<{ owner: string }>;
    const users = (await this.users.list()).flatMap((user) => [user.email, user.name]);
    const versions = await Promise.all(table.workflows.map((key) => this.workflows.latest(key).catch(() => undefined)));
    const lanes = ownersOf(versions.flatMap((version) => (version ? [version.workflow] : [])));
    return new Set([...rows.map((r) => r.owner), ...users, ...lanes].filter((owner) => owner.trim() !== '').map((owner) => owner.trim().toLowerCase()));
  }

  /** What applying an imported workbook would change; nothing is written. */
  async previewImport(tableId: number, incoming: WorkbookRow[]): Promise<ImportPlan> {
    const table = await this.get(tableId);
    return planImport(table.rows, incoming);
  }

  /**
   * Applies an imported workbook as one transaction: rows added, changed, removed and put in the file's
   * order, each with its history. The plan is made again inside the transaction, against the table as it is
   * then, so an edit made between preview and apply is neither lost silently nor half-applied.
   */
  async applyImport(tableId: number, incoming: WorkbookRow[], actor: string, stagingId?: string): Promise<ImportPlan> {
    return this.db.write(async (trx) => {
      await this.lockTable(trx, tableId);
      // Applied once: a second press of the button (or another tab) finds the staging gone.
      if (stagingId !== undefined && (await trx('execution_imports').where({ id: stagingId }).delete()) === 0) {
        throw new ConflictError('this upload was applied already');
      }
      const records = (await trx('execution_rows').where({ table_id: tableId }).orderBy('position')) as RowRecord[];
      const plan = planImport(records.map(rowOf), incoming);
      // By id: a workbook may hold 100,000 rows, and a search per row would make the import quadratic.
      const positions = new Map(records.map((r) => [r.id, r.position]));
      const changed = new Map(plan.changed.map((change) => [change.id, change.changes]));
      const now = this.clock.now();
      for (const removed of plan.removed) {
        await trx('execution_rows').where({ id: removed.id }).delete();
        await this.record(trx, tableId, removed.id, actor, 'deleted', removal(removed));
      }
      // Positions are rewritten from the file's order; new rows take theirs as they are inserted.
      for (const [index, entry] of plan.order.entries()) {
        const position = index + 1;
        if (entry.id === null) {
          await this.insertRow(trx, tableId, position, entry.content, actor, 'imported');
          continue;
        }
        // The plan compares KPI targets by meaning (key order aside), as people edit them.
        const changes: RowChanges = { ...changed.get(entry.id) };
        const was = positions.get(entry.id)!;
        if (was !== position) changes.position = { from: was, to: position };
        if (Object.keys(changes).length === 0) continue;
        await trx('execution_rows')
          .where({ id: entry.id })
          .update({ ...recordOf(entry.content), position, updated_at: now, updated_by: actor });
        await this.record(trx, tableId, entry.id, actor, 'imported', changes);
      }
      return plan;
    });
  }

  /** Keeps the rows read from an upload until the manager confirms the preview; answers the staging id. */
  async stageImport(tableId: number, incoming: WorkbookRow[], actor: string): Promise<string> {
    const id = randomBytes(16).toString('hex');
    const now = this.clock.now();
    await this.db.write(async (trx) => {
      await trx('execution_imports').where('created_at', '<', now - STAGED_IMPORT_MS).delete();
      await trx('execution_imports').insert({ id, table_id: tableId, created_by: actor, rows: JSON.stringify(incoming), created_at: now });
    });
    return id;
  }

  /** The rows of a staged upload, for the person who uploaded it to this table only. */
  async stagedImport(tableId: number, stagingId: string, actor: string): Promise<WorkbookRow[]> {
    const row = (await this.db.knex('execution_imports').where({ id: stagingId, table_id: tableId, created_by: actor }).first('rows', 'created_at')) as
      | { rows: string; created_at: number | string }
      | undefined;
    if (!row || Number(row.created_at) < this.clock.now() - STAGED_IMPORT_MS) throw new NotFoundError('this upload is no longer waiting to be applied; upload the workbook again');
    return JSON.parse(row.rows) as WorkbookRow[];
  }

  /** Applies a staged upload (see `applyImport`) and forgets it. */
  async applyStagedImport(tableId: number, stagingId: string, actor: string): Promise<ImportPlan> {
    return this.applyImport(tableId, await this.stagedImport(tableId, stagingId, actor), actor, stagingId);
  }

  private async insertRow(trx: Transaction, tableId: number, position: number, row: RowContent, actor: string, action: HistoryAction): Promise<number> {
    const [created] = (await trx('execution_rows')
      .insert({ table_id: tableId, position, ...recordOf(row), updated_at: this.clock.now(), updated_by: actor })
      .returning('id')) as Array<{ id: number }>;
    const changes: RowChanges = {};
    for (const [field, change] of Object.entries(diffRow(emptyRow(), row))) changes[field as RowField] = { from: null, to: change.to };
    await this.record(trx, tableId, created!.id, actor, action, changes);
    return created!.id;
  }

  private async move(trx: Transaction, tableId: number, row: ExecutionRow, wanted: number, actor: string): Promise<void> {
    const count = await this.rowCount(trx, tableId);
    const to = Math.min(Math.max(wanted, 1), count);
    if (to === row.position) return;
    const shift = trx('execution_rows').where({ table_id: tableId }).whereNot({ id: row.id });
    if (to < row.position) await shift.andWhere('position', '>=', to).andWhere('position', '<', row.position).increment('position', 1);
    else await shift.andWhere('position', '>', row.position).andWhere('position', '<=', to).decrement('position', 1);
    await trx('execution_rows').where({ id: row.id }).update({ position: to, updated_at: this.clock.now(), updated_by: actor });
    await this.record(trx, tableId, row.id, actor, 'moved', { position: { from: row.position, to } });
  }

  private async record(trx: Transaction, tableId: number, rowId: number, actor: string, action: HistoryAction, changes: RowChanges): Promise<void> {
    await trx('execution_row_history').insert({ table_id: tableId, row_id: rowId, at: this.clock.now(), actor, action, changes: JSON.stringify(changes) });
  }

  /** Row edits renumber positions: one writer per table at a time (PostgreSQL locks the table's row). */
  private async lockTable(trx: Transaction, tableId: number): Promise<void> {
    const found = (await this.db.forUpdate(trx('execution_tables').where({ id: tableId }).first('id'))) as { id: number } | undefined;
    if (!found) throw new NotFoundError(`no execution table ${tableId}`);
  }

  private async rowIn(trx: Transaction, tableId: number, rowId: number): Promise<ExecutionRow> {
    const record = (await trx('execution_rows').where({ id: rowId, table_id: tableId }).first()) as RowRecord | undefined;
    if (!record) throw new NotFoundError(`execution table ${tableId} has no row ${rowId}`);
    return rowOf(record);
  }

  private async rowCount(trx: Transaction, tableId: number): Promise<number> {
    const [result] = (await trx('execution_rows').where({ table_id: tableId }).count({ n: '*' })) as Array<{ n: number | string }>;
    return Number(result!.n);
  }
}

import type { ExecutionRow, HistoryAction, KpiTarget, RowChanges, RowContent, RowHistoryEntry, RowStatus, TableHeader, WorkbookRow } from './model.js';

// The one place the execution tables' rows become domain values and back. PostgreSQL answers bigint
// columns and counts as strings on some paths, so every number is read through Number().

export interface TableRecord {
  id: number;
  name: string;
  owner: string;
  start_date: string;
  template: string | null;
  workflows: string;
  created_at: number | string;
  created_by: string;
}

export interface RowRecord {
  id: number;
  table_id: number;
  position: number;
  phase: string;
  actions: string;
  owner: string;
  start_date: string | null;
  end_date: string | null;
  status: string;
  blockers: string;
  suggestions: string;
  notes: string;
  kpi: string | null;
  updated_at: number | string;
  updated_by: string;
}

export interface HistoryRecord {
  id: number | string;
  table_id: number;
  row_id: number;
  at: number | string;
  actor: string;
  action: string;
  changes: string;
}

export interface StagedImportRecord {
  id: string;
  table_id: number;
  created_by: string;
  rows: string;
  created_at: number | string;
  basis: string | null;
  applied_at?: number | string | null;
}

export function tableOf(record: TableRecord): TableHeader {
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

export function rowOf(record: RowRecord): ExecutionRow {
  return {
    id: record.id,
    position: record.position,
    phase: record.phase,
    actions: record.actions,
    owner: record.owner,
    startDate: record.start_date,
    endDate: record.end_date,
    // Only the service writes rows, and it writes checked statuses.
    status: record.status as RowStatus,
    blockers: record.blockers,
    suggestions: record.suggestions,
    notes: record.notes,
    kpi: record.kpi ? (JSON.parse(record.kpi) as KpiTarget) : null,
    updatedAt: Number(record.updated_at),
    updatedBy: record.updated_by,
  };
}

/** A row's content as columns; phase and owner are stored trimmed (filters and owner lists compare them). */
export function contentRecord(row: RowContent): Omit<RowRecord, 'id' | 'table_id' | 'position' | 'updated_at' | 'updated_by'> {
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

export function historyOf(record: HistoryRecord): RowHistoryEntry {
  return {
    id: Number(record.id),
    rowId: record.row_id,
    at: Number(record.at),
    actor: record.actor,
    action: record.action as HistoryAction,
    changes: JSON.parse(record.changes) as RowChanges,
  };
}

export function historyRecord(tableId: number, rowId: number, at: number, actor: string, action: HistoryAction, changes: RowChanges): Omit<HistoryRecord, 'id'> {
  return { table_id: tableId, row_id: rowId, at, actor, action, changes: JSON.stringify(changes) };
}

export function stagedRowsOf(record: StagedImportRecord): WorkbookRow[] {
  return JSON.parse(record.rows) as WorkbookRow[];
}

/** Everything stored of a row, as one string: two reads of a row are equal when their keys are. */
export function rowKey(row: ExecutionRow): string {
  const { id, position, updatedAt, updatedBy, phase, actions, owner, startDate, endDate, status, blockers, suggestions, notes, kpi } = row;
  return JSON.stringify([id, position, updatedAt, updatedBy, phase, actions, owner, startDate, endDate, status, blockers, suggestions, notes, kpi]);
}

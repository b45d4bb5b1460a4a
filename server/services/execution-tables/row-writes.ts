import type { HistoryNote, RowWrite } from '../../data/execution-tables/repository.js';
import { diffRow, emptyRow, ROW_FIELDS, type ExecutionRow, type RowChanges, type RowContent, type RowField } from './execution-table.js';
import type { ImportPlan } from './import-plan.js';

// What each change to a table writes, worked out from the rows as read: the repository stores exactly
// this, with each row's history entry, in one transaction. Positions stay 1…n after every change.

/** A new row's history: each field it was given, from nothing. */
export function creation(row: RowContent, action: 'created' | 'imported'): HistoryNote {
  const changes: RowChanges = {};
  for (const [field, change] of Object.entries(diffRow(emptyRow(), row))) changes[field as RowField] = { from: null, to: change.to };
  return { action, changes };
}

/** What a deleted row held, kept in its history: every field, from its value to nothing. */
function removal(row: RowContent): HistoryNote {
  const changes: RowChanges = {};
  for (const field of ROW_FIELDS) changes[field] = { from: row[field], to: null };
  return { action: 'deleted', changes };
}

/** A new row at `position` (1…count + 1); the rows from there move down. */
export function insertion(position: number, content: RowContent): RowWrite[] {
  return [
    { kind: 'shift', from: position, by: 1 },
    { kind: 'insert', position, content, history: creation(content, 'created') },
  ];
}

/** The row removed; the rows after it move up. */
export function deletion(row: ExecutionRow): RowWrite[] {
  return [
    { kind: 'delete', id: row.id, history: removal(row) },
    { kind: 'shift', from: row.position + 1, by: -1 },
  ];
}

/** The row moved to `to` (1…count); the rows between make room. */
export function move(row: ExecutionRow, to: number): RowWrite[] {
  if (to === row.position) return [];
  const shift: RowWrite =
    to < row.position
      ? { kind: 'shift', from: to, to: row.position - 1, by: 1, except: row.id }
      : { kind: 'shift', from: row.position + 1, to, by: -1, except: row.id };
  return [shift, { kind: 'update', id: row.id, position: to, history: { action: 'moved', changes: { position: { from: row.position, to } } } }];
}

/**
 * An import planned against `existing`: rows the file dropped deleted, then every row put at the file's
 * position, added or rewritten; a row neither changed nor moved is not written.
 */
export function importWrites(plan: ImportPlan, existing: readonly ExecutionRow[]): RowWrite[] {
  const writes: RowWrite[] = plan.removed.map((row) => ({ kind: 'delete', id: row.id, history: removal(row) }));
  // By id: a workbook may hold 100,000 rows, and a search per row would make the import quadratic.
  const positions = new Map(existing.map((row) => [row.id, row.position]));
  const changed = new Map(plan.changed.map((change) => [change.id, change.changes]));
  for (const [index, entry] of plan.order.entries()) {
    const position = index + 1;
    if (entry.id === null) {
      writes.push({ kind: 'insert', position, content: entry.content, history: creation(entry.content, 'imported') });
      continue;
    }
    // The plan compares KPI targets by meaning (key order aside), as people edit them.
    const changes: RowChanges = { ...changed.get(entry.id) };
    const was = positions.get(entry.id)!;
    if (was !== position) changes.position = { from: was, to: position };
    if (Object.keys(changes).length === 0) continue;
    writes.push({ kind: 'update', id: entry.id, content: entry.content, position, history: { action: 'imported', changes } });
  }
  return writes;
}

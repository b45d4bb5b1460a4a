import { InvalidWorkbookError, type CellProblem } from '../../shared/errors.js';
import { contentOf, diffRow, type ExecutionRow, type RowChanges, type RowContent } from './execution-table.js';
import type { WorkbookRow } from './excel/import-workbook.js';

/** A row of the table after the import, at the place the file gives it. */
export interface PlannedRow {
  /** 1-based: the file's order is the table's order. */
  position: number;
  /** Null for a row the file adds. */
  id: number | null;
  content: RowContent;
  sheetRow: number;
}

/** What applying a workbook does to a table. `added`, `changed` and `unchanged` together are the file's rows. */
export interface ImportPlan {
  added: PlannedRow[];
  changed: Array<PlannedRow & { id: number; changes: RowChanges }>;
  /** Rows of the table the file no longer has. */
  removed: ExecutionRow[];
  /** Rows whose content the file leaves as it is; they may still move. */
  unchanged: number;
  /**
   * Rows the file puts in another order relative to the rows around them: the fewest that explain the new
   * order. A row that only shifts because rows above it were added or removed has not moved.
   */
  moved: Array<{ id: number; from: number; to: number }>;
  /** Every row after the import, top to bottom. */
  order: PlannedRow[];
}

/**
 * Compares a table with the rows of an imported workbook: which rows the file adds (no ID), changes, leaves,
 * moves and drops (their IDs are absent). Pure. An ID the table does not have is refused, with every such row
 * listed, as the reader refuses a bad cell.
 *
 * @example
 * const plan = planImport(table.rows, await readExecutionTableWorkbook(upload, options));
 * // plan.added.length, plan.changed[0].changes.status → { from: 'in_progress', to: 'done' }
 */
export function planImport(existing: ExecutionRow[], incoming: WorkbookRow[]): ImportPlan {
  const byId = new Map(existing.map((row) => [row.id, row]));
  const problems: CellProblem[] = [];
  const seen = new Map<number, number>();
  for (const row of incoming) {
    if (row.id === null) continue;
    const where = { ...row.idColumn, row: row.sheetRow };
    if (!byId.has(row.id))
      problems.push({
        ...where,
        message: `this table has no row with ID ${row.id}: leave the ID blank to add the row`,
        code: 'idUnknown',
        values: { id: row.id },
      });
    else if (seen.has(row.id))
      problems.push({ ...where, message: `ID ${row.id} is also on row ${seen.get(row.id)}`, code: 'idTwice', values: { id: row.id, row: seen.get(row.id)! } });
    seen.set(row.id, row.sheetRow);
  }
  if (problems.length)
    throw new InvalidWorkbookError(`the workbook has ${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing was imported`, problems);

  const order: PlannedRow[] = incoming.map((row, index) => {
    const kept = row.kpiAbsent && row.id !== null ? { ...row.content, kpi: byId.get(row.id)!.kpi } : row.content;
    return { position: index + 1, id: row.id, content: contentOf(kept), sheetRow: row.sheetRow };
  });
  const plan: ImportPlan = { added: [], changed: [], removed: existing.filter((row) => !seen.has(row.id)), unchanged: 0, moved: [], order };
  for (const row of order) {
    if (row.id === null) {
      plan.added.push(row);
      continue;
    }
    const changes = diffRow(byId.get(row.id)!, row.content);
    if (Object.keys(changes).length) plan.changed.push({ ...row, id: row.id, changes });
    else plan.unchanged += 1;
  }
  plan.moved = movedRows(order, byId);
  return plan;
}

/** The kept rows outside a longest run whose old positions still ascend in the file's order. */
function movedRows(order: PlannedRow[], byId: Map<number, ExecutionRow>): ImportPlan['moved'] {
  const kept = order
    .filter((row): row is PlannedRow & { id: number } => row.id !== null)
    .map((row) => ({ id: row.id, from: byId.get(row.id)!.position, to: row.position }));
  // Patience sorting: tails[k] is the index of the smallest last `from` of an ascending run of length k + 1.
  const tails: number[] = [];
  const previous: number[] = [];
  kept.forEach((row, index) => {
    let low = 0;
    let high = tails.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (kept[tails[middle]!]!.from < row.from) low = middle + 1;
      else high = middle;
    }
    previous[index] = low > 0 ? tails[low - 1]! : -1;
    tails[low] = index;
  });
  const staying = new Set<number>();
  for (let index = tails.length ? tails[tails.length - 1]! : -1; index >= 0; index = previous[index]!) staying.add(index);
  return kept.filter((_, index) => !staying.has(index));
}

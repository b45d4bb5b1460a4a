import { DEFAULT_WORKBOOK_LIMITS, overChars } from '../../../shared/config.js';
import type { WorkbookRow } from '../../../data/execution-tables/model.js';
import { InvalidWorkbookError, type CellProblem, type ProblemMessage } from '../../../shared/errors.js';
import type { Formatter } from '../../../shared/i18n.js';
import { KPI_DESCRIPTION_LIMIT, rowProblems, type KpiTarget, type RowContent } from '../execution-table.js';
import { TABLE_COLUMNS, workbookLabels, type KpiColumn, type TableColumn } from './workbook-layout.js';
import { fileProblem, WorkbookReaders } from './read-in-worker.js';
import {
  cellsOf,
  choice,
  dateOf,
  findLayout,
  idOf,
  isBlank,
  isUncomputedFormula,
  normalize,
  numberOf,
  textOf,
  Vocabulary,
  type CellRef,
  type Plain,
  type PlainSheet,
} from './sheet-reading.js';

export type { ColumnRef, WorkbookRow } from '../../../data/execution-tables/model.js';

export interface WorkbookReadOptions {
  /** Every language a workbook may be written in: headers, statuses, metrics are recognised in any of them. */
  formatters: Formatter[];
  isKnownOwner(owner: string): boolean;
  /** Whether a target's workflow key exists; absent: any key of the right shape is taken. */
  isKnownWorkflow?(key: string): boolean;
  /** Whether the table has a row with this ID, so that an unknown one is listed with the file's other problems; absent: not checked here. */
  isKnownRowId?(id: number): boolean;
  /** The worker threads that read the file, within their limits; absent: one for this file, DEFAULT_WORKBOOK_LIMITS. */
  readers?: WorkbookReaders;
}

/** As the API allows for a target's description. */
/** Columns read back; `position` and `weeks` are informational, and the file's order is the table's order. */
const IMPORTED_COLUMNS = [
  'id',
  'phase',
  'actions',
  'owner',
  'startDate',
  'endDate',
  'status',
  'blockers',
  'suggestions',
  'notes',
] as const satisfies readonly TableColumn[];
const IMPORTED_KPI_COLUMNS = ['rowId', 'metric', 'comparison', 'target', 'baselineFrom', 'baselineTo', 'description'] as const satisfies readonly KpiColumn[];
/**
 * Read when there: a workbook exported before targets named a workflow has no such column. The measurement's
 * columns (`measured`, `met`, `measuredOver`) are never read: they are measured again, whatever the file says.
 */
const READ_KPI_COLUMNS = [...IMPORTED_KPI_COLUMNS, 'workflow'] as const satisfies readonly KpiColumn[];

/**
 * Reads an execution table workbook of the exported layout, in any of the languages of `formatters`. Columns
 * are found by their headers, in any order; empty rows are skipped. Everything is checked before anything is
 * returned: every problem, on either sheet, is listed in one `InvalidWorkbookError` with its sheet, row and
 * column. A file that is not an .xlsx workbook (or has no sheet) is a `ValidationError` of its `file` field; one past a limit of `options.limits` (size
 * sent or inflated, rows, columns, cell length, read time, memory) a `TooLargeError` naming it. The file
 * is read in a worker thread (`read-in-worker.ts`), so the event loop stays free however hostile the file.
 *
 * @example
 * const rows = await readExecutionTableWorkbook(upload, { formatters: [zh, en], isKnownOwner: (o) => owners.has(o) });
 */
export async function readExecutionTableWorkbook(data: Buffer, options: WorkbookReadOptions): Promise<WorkbookRow[]> {
  const vocabulary = new Vocabulary(options.formatters.map(workbookLabels));
  const readers = options.readers ?? new WorkbookReaders(DEFAULT_WORKBOOK_LIMITS);
  const sheets = await readers.read(data, vocabulary.sheetChoice).finally(() => (options.readers ? undefined : readers.close()));
  const kpiSheet = sheets.find((sheet) => vocabulary.isKpiSheet(sheet.name));
  const tableSheet = sheets.find((sheet) => vocabulary.isTableSheet(sheet.name)) ?? sheets.find((sheet) => sheet !== kpiSheet);
  if (!tableSheet) throw fileProblem('the workbook has no sheet to import', 'noTableSheet');

  const problems: CellProblem[] = [];
  const table = readTableSheet(tableSheet, vocabulary, options, problems);
  if (table && kpiSheet) readKpiSheet(kpiSheet, table, vocabulary, options, problems);
  for (const row of table?.rows ?? []) {
    for (const { field, ...said } of rowProblems(row.content)) problems.push({ ...cellOf(row, field), ...said });
  }
  if (problems.length) {
    const order = (sheet: string): number => sheets.findIndex((candidate) => candidate.name === sheet);
    problems.sort((a, b) => order(a.sheet) - order(b.sheet) || a.row - b.row || a.column.length - b.column.length || a.column.localeCompare(b.column));
    throw new InvalidWorkbookError(`the workbook has ${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing was imported`, problems);
  }
  // A workbook without its KPI sheet says nothing about targets: removing a target is emptying its line there.
  return table!.rows.map(({ sheetRow, id, content, idColumn }) => ({ sheetRow, id, content, idColumn, ...(kpiSheet ? {} : { kpiAbsent: true as const }) }));
}

/** A row of the table sheet as read, with where its fields are, for the problems found once targets are attached. */
interface ReadRow extends WorkbookRow {
  tableCell(column: TableColumn): CellRef;
  /** Where its target is on the KPI sheet, once one is attached. */
  kpiCell?: (column: KpiColumn) => CellRef;
}

/** The KPI sheet's columns of the fields `rowProblems` names. */
const KPI_FIELD_COLUMNS: Record<string, KpiColumn> = {
  'kpi.metric': 'metric',
  'kpi.comparison': 'comparison',
  'kpi.target': 'target',
  'kpi.baseline': 'baselineFrom',
  'kpi.baseline.from': 'baselineFrom',
  'kpi.baseline.to': 'baselineTo',
  'kpi.workflow': 'workflow',
};

/** The cell of a field `rowProblems` names: on the KPI sheet for the target's fields, else on the row. */
function cellOf(row: ReadRow, field: string): CellRef {
  const kpiColumn = KPI_FIELD_COLUMNS[field];
  if (kpiColumn && row.kpiCell) return row.kpiCell(kpiColumn);
  return row.tableCell((TABLE_COLUMNS as readonly string[]).includes(field) ? (field as TableColumn) : 'id');
}

interface ReadTable {
  sheet: string;
  rows: ReadRow[];
  byId: Map<number, ReadRow>;
}

function readTableSheet(sheet: PlainSheet, vocabulary: Vocabulary, options: WorkbookReadOptions, problems: CellProblem[]): ReadTable | null {
  const layout = findLayout(sheet, vocabulary.columns, IMPORTED_COLUMNS, (labels) => labels.columns, vocabulary, problems);
  if (!layout) return null;
  const idColumn = layout.columns.get('id')!;
  const table: ReadTable = { sheet: sheet.name, rows: [], byId: new Map() };
  const statusNames = Object.values(layout.labels.status).join(', ');

  for (const row of sheet.rows) {
    const sheetRow = row.number;
    if (sheetRow <= layout.headerRow) continue;
    const cells = cellsOf(row, layout, IMPORTED_COLUMNS);
    if (IMPORTED_COLUMNS.every((column) => isBlank(cells[column]))) continue;
    const tableCell = (column: TableColumn): CellRef => {
      const at = layout.columns.get(column) ?? idColumn;
      return { sheet: sheet.name, row: sheetRow, column: at.column, header: at.header };
    };
    const problem = (column: TableColumn, said: ProblemMessage): void => {
      problems.push({ ...tableCell(column), ...said });
    };
    uncomputedFormulas(cells, IMPORTED_COLUMNS, problem);

    const id = idOf(cells.id);
    if (id === undefined)
      problem('id', {
        message: `"${textOf(cells.id)}" is not a row ID: keep the ID from the export, or leave it blank for a new row`,
        code: 'idInvalid',
        values: { value: textOf(cells.id) },
      });
    if (id && options.isKnownRowId && !options.isKnownRowId(id))
      problem('id', {
        message: `this table has no row with ID ${id}: leave the ID blank to add the row`,
        code: 'idUnknown',
        values: { id },
      });
    const twin = id ? table.byId.get(id) : undefined;
    if (twin)
      problem('id', {
        message: `ID ${id} is also on row ${twin.sheetRow}: each row of the table can be in the file once`,
        code: 'idTwice',
        values: { id: id!, row: twin.sheetRow },
      });

    const content: RowContent = {
      phase: textOf(cells.phase).trim(),
      actions: textOf(cells.actions),
      owner: textOf(cells.owner).trim(),
      startDate: null,
      endDate: null,
      status: 'not_started',
      blockers: textOf(cells.blockers),
      suggestions: textOf(cells.suggestions),
      notes: textOf(cells.notes),
      kpi: null,
    };
    for (const field of ['startDate', 'endDate'] as const) {
      const date = dateOf(cells[field]);
      if (typeof date === 'object' && date !== null) problem(field, date.problem);
      else content[field] = date;
    }
    const statusText = textOf(cells.status).trim();
    const status = vocabulary.statuses.get(normalize(statusText));
    if (status) content.status = status;
    else if (statusText === '') problem('status', { message: `is required: one of ${statusNames}`, code: 'statusRequired' });
    else problem('status', { message: `"${statusText}" is not a status: use one of ${statusNames}`, code: 'statusUnknown', values: { value: statusText } });
    if (content.owner !== '' && !options.isKnownOwner(content.owner))
      problem('owner', {
        message: `"${content.owner}" is neither a user nor a role known to this table`,
        code: 'ownerUnknown',
        values: { value: content.owner },
      });

    const read: ReadRow = {
      sheetRow,
      id: id ?? null,
      content,
      idColumn: { sheet: sheet.name, column: idColumn.column, header: idColumn.header },
      tableCell,
    };
    table.rows.push(read);
    if (id && !twin) table.byId.set(id, read);
  }
  return table;
}

/** Reads the KPI sheet's targets onto the rows they name by ID; fields of a target are then checked with the row. */
function readKpiSheet(sheet: PlainSheet, table: ReadTable, vocabulary: Vocabulary, options: WorkbookReadOptions, problems: CellProblem[]): void {
  const layout = findLayout(sheet, vocabulary.kpiColumns, IMPORTED_KPI_COLUMNS, (labels) => labels.kpiColumns, vocabulary, problems);
  if (!layout) return;
  const targetRows = new Map<ReadRow, number>();
  const metricNames = Object.values(layout.labels.metrics).join(', ');
  const comparisonNames = Object.values(layout.labels.comparisons).join(', ');

  for (const row of sheet.rows) {
    const sheetRow = row.number;
    if (sheetRow <= layout.headerRow) continue;
    const cells = cellsOf(row, layout, READ_KPI_COLUMNS);
    if (READ_KPI_COLUMNS.every((column) => isBlank(cells[column]))) continue;
    const where = (column: KpiColumn): CellRef => {
      const at = layout.columns.get(column) ?? layout.columns.get('rowId')!;
      return { sheet: sheet.name, row: sheetRow, column: at.column, header: at.header };
    };
    const before = problems.length;
    const problem = (column: KpiColumn, said: ProblemMessage): void => {
      problems.push({ ...where(column), ...said });
    };
    uncomputedFormulas(cells, READ_KPI_COLUMNS, problem);

    const rowId = idOf(cells.rowId);
    const owner = rowId ? table.byId.get(rowId) : undefined;
    if (rowId === null)
      problem('rowId', {
        message: `is required: the ID of the row in "${table.sheet}" the target is for`,
        code: 'targetRowIdRequired',
        values: { sheet: table.sheet },
      });
    else if (rowId === undefined)
      problem('rowId', { message: `"${textOf(cells.rowId)}" is not a row ID`, code: 'targetRowIdInvalid', values: { value: textOf(cells.rowId) } });
    else if (!owner)
      problem('rowId', { message: `"${table.sheet}" has no row with ID ${rowId}`, code: 'targetRowIdUnknown', values: { sheet: table.sheet, id: rowId } });
    else if (targetRows.has(owner))
      problem('rowId', {
        message: `row ID ${rowId} already has a target on row ${targetRows.get(owner)}: one target per row`,
        code: 'targetTwice',
        values: { id: rowId, row: targetRows.get(owner)! },
      });

    const metric = choice(cells.metric, vocabulary.metrics);
    if (metric === null) problem('metric', { message: `is required: one of ${metricNames}`, code: 'metricRequired' });
    else if (metric === undefined)
      problem('metric', {
        message: `"${textOf(cells.metric)}" is not a metric: use one of ${metricNames}`,
        code: 'metricUnknown',
        values: { value: textOf(cells.metric) },
      });
    const comparison = choice(cells.comparison, vocabulary.comparisons);
    if (comparison === null) problem('comparison', { message: `is required: one of ${comparisonNames}`, code: 'comparisonRequired' });
    else if (comparison === undefined)
      problem('comparison', {
        message: `"${textOf(cells.comparison)}" is not a comparison: use one of ${comparisonNames}`,
        code: 'comparisonUnknown',
        values: { value: textOf(cells.comparison) },
      });
    const target = numberOf(cells.target);
    if (target === null) problem('target', { message: 'is required: a number', code: 'numberRequired' });
    else if (target === undefined)
      problem('target', { message: `"${textOf(cells.target)}" is not a number`, code: 'notANumber', values: { value: textOf(cells.target) } });

    const from = dateOf(cells.baselineFrom);
    const to = dateOf(cells.baselineTo);
    if (typeof from === 'object' && from !== null) problem('baselineFrom', from.problem);
    if (typeof to === 'object' && to !== null) problem('baselineTo', to.problem);
    if ((from === null) !== (to === null))
      problem(from === null ? 'baselineFrom' : 'baselineTo', { message: 'give both ends of the baseline period, or neither', code: 'baselineIncomplete' });
    const description = textOf(cells.description).trim();
    if (overChars(description, KPI_DESCRIPTION_LIMIT))
      problem('description', { message: `is longer than ${KPI_DESCRIPTION_LIMIT} characters`, code: 'tooLong', values: { limit: KPI_DESCRIPTION_LIMIT } });

    const workflow = textOf(cells.workflow).trim();
    if (workflow !== '' && options.isKnownWorkflow && !options.isKnownWorkflow(workflow))
      problem('workflow', { message: `there is no workflow "${workflow}"`, code: 'workflowUnknown', values: { value: workflow } });

    if (problems.length > before || !owner || !metric || !comparison || typeof target !== 'number') continue;
    const kpi: KpiTarget = { metric, comparison, target };
    if (typeof from === 'string' && typeof to === 'string') kpi.baseline = { from, to };
    if (description !== '') kpi.description = description;
    if (workflow !== '') kpi.workflow = workflow;
    owner.content.kpi = kpi;
    owner.kpiCell = where;
    targetRows.set(owner, sheetRow);
  }
}

/**
 * A formula saved without its result (written by a script, never calculated) would read as blank and clear
 * its field: each is a problem instead, so nothing is lost silently.
 */
function uncomputedFormulas<K extends string>(cells: Record<K, Plain>, columns: readonly K[], problem: (column: K, said: ProblemMessage) => void): void {
  for (const column of columns) {
    const value = cells[column];
    if (!isUncomputedFormula(value)) continue;
    const formula = `=${value.formula || '…'}`;
    problem(column, {
      message: `the formula ${formula} has no saved result: open the workbook in Excel and save it, or type the value itself`,
      code: 'formulaNotComputed',
      values: { formula },
    });
  }
}

import ExcelJS from 'exceljs';
import { AppError, InvalidWorkbookError, type CellProblem, type ProblemMessage } from '../../../shared/errors.js';
import type { Formatter } from '../../../shared/i18n.js';
import {
  isIsoDate,
  KPI_COMPARISONS,
  KPI_METRICS,
  ROW_STATUSES,
  rowProblems,
  type KpiComparison,
  type KpiMetric,
  type KpiTarget,
  type RowContent,
  type RowStatus,
} from '../execution-table.js';
import { letter, TABLE_COLUMNS, workbookLabels, type KpiColumn, type TableColumn, type WorkbookLabels } from './export-workbook.js';

/** A column of the uploaded file as a person sees it: sheet, letter and the header text written there. */
export interface ColumnRef {
  sheet: string;
  column: string;
  header: string;
}

/** One row of the execution table sheet, checked, in the file's order. */
export interface WorkbookRow {
  /** The row number Excel shows. */
  sheetRow: number;
  /** The row's ID from the export; null for a row added in Excel. */
  id: number | null;
  content: RowContent;
  /** Where the ID stands, to point at it when the table turns out not to have that row. */
  idColumn: ColumnRef;
}

export interface WorkbookReadOptions {
  /** Every language a workbook may be written in: headers, statuses, metrics are recognised in any of them. */
  formatters: Formatter[];
  isKnownOwner(owner: string): boolean;
}

/** More rows than any plan has; beyond it the file is refused rather than read. */
const MAX_WORKBOOK_ROWS = 200_000;
/** The header is looked for in the first rows: the export puts a title above it. */
const HEADER_SEARCH_ROWS = 10;
/** As the API allows for a target's description. */
const DESCRIPTION_LIMIT = 500;
/** Columns read back; `position` and `weeks` are informational, and the file's order is the table's order. */
const IMPORTED_COLUMNS = ['id', 'phase', 'actions', 'owner', 'startDate', 'endDate', 'status', 'blockers', 'suggestions', 'notes'] as const satisfies readonly TableColumn[];
const IMPORTED_KPI_COLUMNS = ['rowId', 'metric', 'comparison', 'target', 'baselineFrom', 'baselineTo', 'description'] as const satisfies readonly KpiColumn[];

/**
 * Reads an execution table workbook of the exported layout, in any of the languages of `formatters`. Columns
 * are found by their headers, in any order; empty rows are skipped. Everything is checked before anything is
 * returned: every problem, on either sheet, is listed in one `InvalidWorkbookError` with its sheet, row and
 * column. A file that is not an .xlsx workbook is a `bad_request`.
 *
 * @example
 * const rows = await readExecutionTableWorkbook(upload, { formatters: [zh, en], isKnownOwner: (o) => owners.has(o) });
 */
export async function readExecutionTableWorkbook(data: Buffer, options: WorkbookReadOptions): Promise<WorkbookRow[]> {
  const workbook = await load(data);
  const vocabulary = new Vocabulary(options.formatters.map(workbookLabels));
  const kpiSheet = workbook.worksheets.find((sheet) => vocabulary.isKpiSheet(sheet.name));
  const tableSheet = workbook.worksheets.find((sheet) => vocabulary.isTableSheet(sheet.name)) ?? workbook.worksheets.find((sheet) => sheet !== kpiSheet);
  if (!tableSheet) throw new AppError('bad_request', 'the workbook has no execution table sheet');

  const problems: CellProblem[] = [];
  const table = readTableSheet(tableSheet, vocabulary, options, problems);
  if (table && kpiSheet) readKpiSheet(kpiSheet, table, vocabulary, problems);
  for (const row of table?.rows ?? []) {
    for (const { field, ...said } of rowProblems(row.content)) problems.push({ ...cellOf(row, field), ...said });
  }
  if (problems.length) {
    const order = (sheet: string): number => workbook.worksheets.findIndex((candidate) => candidate.name === sheet);
    problems.sort((a, b) => order(a.sheet) - order(b.sheet) || a.row - b.row || a.column.length - b.column.length || a.column.localeCompare(b.column));
    throw new InvalidWorkbookError(`the workbook has ${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing was imported`, problems);
  }
  return table!.rows.map(({ sheetRow, id, content, idColumn }) => ({ sheetRow, id, content, idColumn }));
}

async function load(data: Buffer): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  try {
    // NOTE: exceljs types its input as an ArrayBuffer (JSZip takes either); a copy of a few MB is cheap.
    // Validations are not read: exceljs expands each range into an entry per cell (100 MB for 100,000 rows).
    await workbook.xlsx.load(new Uint8Array(data).buffer, { ignoreNodes: ['dataValidations'] });
  } catch {
    throw new AppError('bad_request', 'the file is not an Excel workbook (.xlsx): save it as "Excel Workbook (*.xlsx)" and upload that');
  }
  return workbook;
}

/** Headers, statuses, metrics and comparisons in every language, matched regardless of case and width. */
class Vocabulary {
  readonly columns = new Map<string, TableColumn>();
  readonly kpiColumns = new Map<string, KpiColumn>();
  readonly statuses = new Map<string, RowStatus>();
  readonly metrics = new Map<string, KpiMetric>();
  readonly comparisons = new Map<string, KpiComparison>([
    ['<=', 'lte'],
    ['>=', 'gte'],
  ]);
  private readonly tableSheets: Set<string>;
  private readonly kpiSheets: Set<string>;

  constructor(readonly languages: WorkbookLabels[]) {
    for (const status of ROW_STATUSES) this.statuses.set(status, status);
    for (const metric of Object.keys(KPI_METRICS) as KpiMetric[]) this.metrics.set(metric, metric);
    for (const comparison of KPI_COMPARISONS) this.comparisons.set(comparison, comparison);
    for (const labels of languages) {
      addAll(this.columns, labels.columns);
      addAll(this.kpiColumns, labels.kpiColumns);
      addAll(this.statuses, labels.status);
      addAll(this.metrics, labels.metrics);
      addAll(this.comparisons, labels.comparisons);
    }
    this.tableSheets = new Set(languages.map((labels) => normalize(labels.sheets.table)));
    this.kpiSheets = new Set(languages.map((labels) => normalize(labels.sheets.kpi)));
  }

  isTableSheet(name: string): boolean {
    return this.tableSheets.has(normalize(name));
  }

  isKpiSheet(name: string): boolean {
    return this.kpiSheets.has(normalize(name));
  }
}

function addAll<K extends string>(lookup: Map<string, K>, labels: Record<K, string>): void {
  for (const [key, label] of Object.entries(labels) as Array<[K, string]>) lookup.set(normalize(label), key);
}

/** Full-width and half-width forms alike (（ and (), spaces collapsed, case ignored. */
function normalize(text: string): string {
  return text.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}

/** Where each known column of a sheet is, found by its header. */
interface Layout<K extends string> {
  sheet: string;
  headerRow: number;
  columns: Map<K, ColumnRef & { index: number }>;
  /** The language most headers are written in, to name what is missing in it. */
  labels: WorkbookLabels;
}

function findLayout<K extends string>(
  sheet: ExcelJS.Worksheet,
  lookup: Map<string, K>,
  required: readonly K[],
  headersOf: (labels: WorkbookLabels) => Record<K, string>,
  vocabulary: Vocabulary,
  problems: CellProblem[],
): Layout<K> | null {
  let best: { row: ExcelJS.Row; matches: number } | null = null;
  for (let number = 1; number <= Math.min(HEADER_SEARCH_ROWS, sheet.rowCount); number++) {
    const row = sheet.getRow(number);
    let matches = 0;
    row.eachCell((cell) => {
      if (lookup.has(normalize(textOf(cell.value)))) matches += 1;
    });
    if (matches > (best?.matches ?? 0)) best = { row, matches };
  }
  if (!best) {
    // Every language's headers are accepted, so the list names them all, the reader's among them.
    const names = vocabulary.languages.map((labels) => required.map((key) => headersOf(labels)[key]).join(', ')).join(' / ');
    problems.push({
      sheet: sheet.name,
      row: 1,
      column: 'A',
      header: '',
      message: `no header row found in the first ${HEADER_SEARCH_ROWS} rows: the columns are ${names}`,
      code: 'noHeaderRow',
      values: { rows: HEADER_SEARCH_ROWS, columns: names },
    });
    return null;
  }

  const columns = new Map<K, ColumnRef & { index: number }>();
  const headers: string[] = [];
  best.row.eachCell((cell, index) => {
    const header = textOf(cell.value).trim();
    const key = lookup.get(normalize(header));
    if (key === undefined) return;
    headers.push(header);
    const seen = columns.get(key);
    if (seen) problems.push({ sheet: sheet.name, row: best.row.number, column: letter(index), header, message: `the column is there twice (also ${seen.column}): keep one`, code: 'columnTwice', values: { other: seen.column } });
    else columns.set(key, { sheet: sheet.name, column: letter(index), header, index });
  });
  const labels = vocabulary.languages.reduce((most, candidate) => (matching(candidate, headers, headersOf) > matching(most, headers, headersOf) ? candidate : most));
  const missing = required.filter((key) => !columns.has(key));
  for (const key of missing) problems.push({ sheet: sheet.name, row: best.row.number, column: '', header: headersOf(labels)[key], message: 'this column is missing', code: 'columnMissing' });
  // NOTE: rows are not read against an incomplete or ambiguous header: each would only repeat its problem.
  if (missing.length || headers.length > columns.size) return null;
  return { sheet: sheet.name, headerRow: best.row.number, columns, labels };
}

function matching<K extends string>(labels: WorkbookLabels, headers: string[], headersOf: (labels: WorkbookLabels) => Record<K, string>): number {
  const known = new Set(Object.values<string>(headersOf(labels)).map(normalize));
  return headers.filter((header) => known.has(normalize(header))).length;
}

type CellRef = Omit<CellProblem, keyof ProblemMessage>;

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

function readTableSheet(sheet: ExcelJS.Worksheet, vocabulary: Vocabulary, options: WorkbookReadOptions, problems: CellProblem[]): ReadTable | null {
  const layout = findLayout(sheet, vocabulary.columns, IMPORTED_COLUMNS, (labels) => labels.columns, vocabulary, problems);
  if (!layout || !withinCap(sheet, layout.headerRow, problems)) return null;
  const idColumn = layout.columns.get('id')!;
  const table: ReadTable = { sheet: sheet.name, rows: [], byId: new Map() };
  const statusNames = Object.values(layout.labels.status).join(', ');

  sheet.eachRow((row, sheetRow) => {
    if (sheetRow <= layout.headerRow) return;
    const cells = cellsOf(row, layout, IMPORTED_COLUMNS);
    if (IMPORTED_COLUMNS.every((column) => textOf(cells[column]).trim() === '')) return;
    const tableCell = (column: TableColumn): CellRef => {
      const at = layout.columns.get(column) ?? idColumn;
      return { sheet: sheet.name, row: sheetRow, column: at.column, header: at.header };
    };
    const problem = (column: TableColumn, said: ProblemMessage): void => {
      problems.push({ ...tableCell(column), ...said });
    };

    const id = idOf(cells.id);
    if (id === undefined) problem('id', { message: `"${textOf(cells.id)}" is not a row ID: keep the ID from the export, or leave it blank for a new row`, code: 'idInvalid', values: { value: textOf(cells.id) } });
    const twin = id ? table.byId.get(id) : undefined;
    if (twin) problem('id', { message: `ID ${id} is also on row ${twin.sheetRow}: each row of the table can be in the file once`, code: 'idTwice', values: { id: id!, row: twin.sheetRow } });

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
    if (content.owner !== '' && !options.isKnownOwner(content.owner)) problem('owner', { message: `"${content.owner}" is neither a user nor a role known to this table`, code: 'ownerUnknown', values: { value: content.owner } });

    const read: ReadRow = {
      sheetRow,
      id: id ?? null,
      content,
      idColumn: { sheet: sheet.name, column: idColumn.column, header: idColumn.header },
      tableCell,
    };
    table.rows.push(read);
    if (id && !twin) table.byId.set(id, read);
  });
  return table;
}

/** Reads the KPI sheet's targets onto the rows they name by ID; fields of a target are then checked with the row. */
function readKpiSheet(sheet: ExcelJS.Worksheet, table: ReadTable, vocabulary: Vocabulary, problems: CellProblem[]): void {
  const layout = findLayout(sheet, vocabulary.kpiColumns, IMPORTED_KPI_COLUMNS, (labels) => labels.kpiColumns, vocabulary, problems);
  if (!layout || !withinCap(sheet, layout.headerRow, problems)) return;
  const targetRows = new Map<ReadRow, number>();
  const metricNames = Object.values(layout.labels.metrics).join(', ');
  const comparisonNames = Object.values(layout.labels.comparisons).join(', ');

  sheet.eachRow((row, sheetRow) => {
    if (sheetRow <= layout.headerRow) return;
    const cells = cellsOf(row, layout, IMPORTED_KPI_COLUMNS);
    if (IMPORTED_KPI_COLUMNS.every((column) => textOf(cells[column]).trim() === '')) return;
    const where = (column: KpiColumn): CellRef => {
      const at = layout.columns.get(column)!;
      return { sheet: sheet.name, row: sheetRow, column: at.column, header: at.header };
    };
    const before = problems.length;
    const problem = (column: KpiColumn, said: ProblemMessage): void => {
      problems.push({ ...where(column), ...said });
    };

    const rowId = idOf(cells.rowId);
    const owner = rowId ? table.byId.get(rowId) : undefined;
    if (rowId === null) problem('rowId', { message: `is required: the ID of the row in "${table.sheet}" the target is for`, code: 'targetRowIdRequired', values: { sheet: table.sheet } });
    else if (rowId === undefined) problem('rowId', { message: `"${textOf(cells.rowId)}" is not a row ID`, code: 'targetRowIdInvalid', values: { value: textOf(cells.rowId) } });
    else if (!owner) problem('rowId', { message: `"${table.sheet}" has no row with ID ${rowId}`, code: 'targetRowIdUnknown', values: { sheet: table.sheet, id: rowId } });
    else if (targetRows.has(owner)) problem('rowId', { message: `row ID ${rowId} already has a target on row ${targetRows.get(owner)}: one target per row`, code: 'targetTwice', values: { id: rowId, row: targetRows.get(owner)! } });

    const metric = choice(cells.metric, vocabulary.metrics);
    if (metric === null) problem('metric', { message: `is required: one of ${metricNames}`, code: 'metricRequired' });
    else if (metric === undefined) problem('metric', { message: `"${textOf(cells.metric)}" is not a metric: use one of ${metricNames}`, code: 'metricUnknown', values: { value: textOf(cells.metric) } });
    const comparison = choice(cells.comparison, vocabulary.comparisons);
    if (comparison === null) problem('comparison', { message: `is required: one of ${comparisonNames}`, code: 'comparisonRequired' });
    else if (comparison === undefined) problem('comparison', { message: `"${textOf(cells.comparison)}" is not a comparison: use one of ${comparisonNames}`, code: 'comparisonUnknown', values: { value: textOf(cells.comparison) } });
    const target = numberOf(cells.target);
    if (target === null) problem('target', { message: 'is required: a number', code: 'numberRequired' });
    else if (target === undefined) problem('target', { message: `"${textOf(cells.target)}" is not a number`, code: 'notANumber', values: { value: textOf(cells.target) } });

    const from = dateOf(cells.baselineFrom);
    const to = dateOf(cells.baselineTo);
    if (typeof from === 'object' && from !== null) problem('baselineFrom', from.problem);
    if (typeof to === 'object' && to !== null) problem('baselineTo', to.problem);
    if ((from === null) !== (to === null)) problem(from === null ? 'baselineFrom' : 'baselineTo', { message: 'give both ends of the baseline period, or neither', code: 'baselineIncomplete' });
    const description = textOf(cells.description).trim();
    if (description.length > DESCRIPTION_LIMIT) problem('description', { message: `is longer than ${DESCRIPTION_LIMIT} characters`, code: 'tooLong', values: { limit: DESCRIPTION_LIMIT } });

    if (problems.length > before || !owner || !metric || !comparison || typeof target !== 'number') return;
    const kpi: KpiTarget = { metric, comparison, target };
    if (typeof from === 'string' && typeof to === 'string') kpi.baseline = { from, to };
    if (description !== '') kpi.description = description;
    owner.content.kpi = kpi;
    owner.kpiCell = where;
    targetRows.set(owner, sheetRow);
  });
}

function withinCap(sheet: ExcelJS.Worksheet, headerRow: number, problems: CellProblem[]): boolean {
  if (sheet.actualRowCount - headerRow <= MAX_WORKBOOK_ROWS) return true;
  problems.push({
    sheet: sheet.name,
    row: headerRow + MAX_WORKBOOK_ROWS + 1,
    column: 'A',
    header: '',
    message: `more than ${MAX_WORKBOOK_ROWS.toLocaleString('en')} rows: split the table`,
    code: 'tooManyRows',
    values: { max: MAX_WORKBOOK_ROWS },
  });
  return false;
}

type Plain = string | number | boolean | Date | null;

function cellsOf<K extends string>(row: ExcelJS.Row, layout: Layout<K>, keys: readonly K[]): Record<K, Plain> {
  return Object.fromEntries(keys.map((key) => {
    const at = layout.columns.get(key);
    return [key, at ? plainOf(row.getCell(at.index).value) : null];
  })) as Record<K, Plain>;
}

/** What a cell shows: rich text as its text, a link as its text, a formula as its last result, an error as its code. */
function plainOf(value: ExcelJS.CellValue): Plain {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || value instanceof Date) return value;
  if ('richText' in value) return value.richText.map((run) => run.text).join('');
  if ('hyperlink' in value) return plainOf(value.text);
  if ('formula' in value || 'sharedFormula' in value) return plainOf(value.result ?? null);
  return value.error;
}

function textOf(value: ExcelJS.CellValue): string {
  const plain = plainOf(value);
  if (plain === null) return '';
  if (plain instanceof Date) return plain.toISOString().slice(0, 10);
  return String(plain);
}

/** A row ID: a positive whole number; null when blank, undefined when it is something else. */
function idOf(value: Plain): number | null | undefined {
  const text = textOf(value).trim();
  if (text === '') return null;
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : undefined;
  return /^\d+$/.test(text) && Number(text) > 0 ? Number(text) : undefined;
}

/** A number cell, or text that is a number; null when blank, undefined when it is something else. */
function numberOf(value: Plain): number | null | undefined {
  if (typeof value === 'number') return value;
  const text = textOf(value).trim().replace(/^\u2212/, '-');
  if (text === '') return null;
  const number = Number(text);
  return Number.isFinite(number) ? number : undefined;
}

function choice<K extends string>(value: Plain, lookup: Map<string, K>): K | null | undefined {
  const text = textOf(value);
  return text.trim() === '' ? null : lookup.get(normalize(text));
}

const WRITTEN_DATE = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$/;

/** A date cell, or a date written YYYY-MM-DD or YYYY/MM/DD, as `YYYY-MM-DD`; null when blank. */
function dateOf(value: Plain): string | null | { problem: ProblemMessage } {
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  const text = textOf(value).trim();
  if (text === '') return null;
  const match = typeof value === 'string' ? WRITTEN_DATE.exec(text) : null;
  const date = match ? `${match[1]}-${match[2]!.padStart(2, '0')}-${match[3]!.padStart(2, '0')}` : '';
  return isIsoDate(date) ? date : { problem: { message: `"${text}" is not a date: use a date cell, or write it YYYY-MM-DD`, code: 'notADateCell', values: { value: text } } };
}

import type { CellProblem, ProblemMessage } from '../../../shared/errors.js';
import { isIsoDate, KPI_COMPARISONS, KPI_METRICS, ROW_STATUSES, type KpiComparison, type KpiMetric, type RowStatus } from '../execution-table.js';
import type { ColumnRef } from '../../../data/execution-tables/model.js';
import { letter, type KpiColumn, type TableColumn, type WorkbookLabels } from './workbook-layout.js';
import { isUncomputedFormula, normalize, type Plain, type PlainRow, type PlainSheet, type SheetChoice } from './xlsx-reader.js';

export { isUncomputedFormula, normalize, type Plain, type PlainRow, type PlainSheet };

// Reading an uploaded workbook's sheets as a person laid them out: which row holds the headers, which
// column is which (in any language of the export), and what each cell shows as plain text, number or date.
// The rows arrive as plain values, read by `xlsx-reader.ts` in a worker thread within the workbook limits.
// Checking what the rows say is `import-workbook.ts`'s.

/** The header is looked for in the first rows: the export puts a title above it. */
const HEADER_SEARCH_ROWS = 10;

/** Headers, statuses, metrics and comparisons in every language, matched regardless of case and width. */
export class Vocabulary {
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

  /** The sheet names the reader looks for, in every language. */
  get sheetChoice(): SheetChoice {
    return { table: [...this.tableSheets], kpi: [...this.kpiSheets] };
  }
}

function addAll<K extends string>(lookup: Map<string, K>, labels: Record<K, string>): void {
  for (const [key, label] of Object.entries(labels) as Array<[K, string]>) lookup.set(normalize(label), key);
}

/** Where each known column of a sheet is, found by its header. */
export interface Layout<K extends string> {
  sheet: string;
  headerRow: number;
  columns: Map<K, ColumnRef & { index: number }>;
  /** The language most headers are written in, to name what is missing in it. */
  labels: WorkbookLabels;
}

/** Each cell with a value, with its 1-based column index. */
function eachCell(row: PlainRow, visit: (value: Plain, index: number) => void): void {
  row.cells.forEach((value, at) => {
    if (value !== null && value !== undefined) visit(value, at + 1);
  });
}

export function findLayout<K extends string>(
  sheet: PlainSheet,
  lookup: Map<string, K>,
  required: readonly K[],
  headersOf: (labels: WorkbookLabels) => Record<K, string>,
  vocabulary: Vocabulary,
  problems: CellProblem[],
): Layout<K> | null {
  let best: { row: PlainRow; matches: number } | null = null;
  for (const row of sheet.rows) {
    if (row.number > HEADER_SEARCH_ROWS) continue;
    let matches = 0;
    eachCell(row, (value) => {
      if (lookup.has(normalize(textOf(value)))) matches += 1;
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
  eachCell(best.row, (value, index) => {
    const header = textOf(value).trim();
    const key = lookup.get(normalize(header));
    if (key === undefined) return;
    headers.push(header);
    const seen = columns.get(key);
    if (seen)
      problems.push({
        sheet: sheet.name,
        row: best.row.number,
        column: letter(index),
        header,
        message: `the column is there twice (also ${seen.column}): keep one`,
        code: 'columnTwice',
        values: { other: seen.column },
      });
    else columns.set(key, { sheet: sheet.name, column: letter(index), header, index });
  });
  const labels = vocabulary.languages.reduce((most, candidate) =>
    matching(candidate, headers, headersOf) > matching(most, headers, headersOf) ? candidate : most,
  );
  const missing = required.filter((key) => !columns.has(key));
  for (const key of missing)
    problems.push({
      sheet: sheet.name,
      row: best.row.number,
      column: '',
      header: headersOf(labels)[key],
      message: 'this column is missing',
      code: 'columnMissing',
    });
  // NOTE: rows are not read against an incomplete or ambiguous header: each would only repeat its problem.
  if (missing.length || headers.length > columns.size) return null;
  return { sheet: sheet.name, headerRow: best.row.number, columns, labels };
}

function matching<K extends string>(labels: WorkbookLabels, headers: string[], headersOf: (labels: WorkbookLabels) => Record<K, string>): number {
  const known = new Set(Object.values<string>(headersOf(labels)).map(normalize));
  return headers.filter((header) => known.has(normalize(header))).length;
}

export type CellRef = Omit<CellProblem, keyof ProblemMessage>;

export function cellsOf<K extends string>(row: PlainRow, layout: Layout<K>, keys: readonly K[]): Record<K, Plain> {
  return Object.fromEntries(
    keys.map((key) => {
      const at = layout.columns.get(key);
      return [key, at ? (row.cells[at.index - 1] ?? null) : null];
    }),
  ) as Record<K, Plain>;
}

/** What a cell shows as text: a date as `YYYY-MM-DD`, blank (or a formula without its result) as ''. */
export function textOf(plain: Plain): string {
  if (plain === null || isUncomputedFormula(plain)) return '';
  if (plain instanceof Date) return plain.toISOString().slice(0, 10);
  return String(plain);
}

/** A cell with nothing in it: a formula without its result is not blank (its value is unknown, not empty). */
export function isBlank(plain: Plain): boolean {
  return !isUncomputedFormula(plain) && textOf(plain).trim() === '';
}

/** A row ID: a positive whole number; null when blank, undefined when it is something else. */
export function idOf(value: Plain): number | null | undefined {
  const text = textOf(value).trim();
  if (text === '') return null;
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : undefined;
  return /^\d+$/.test(text) && Number(text) > 0 ? Number(text) : undefined;
}

/** A number cell, or text that is a number; null when blank, undefined when it is something else. */
export function numberOf(value: Plain): number | null | undefined {
  if (typeof value === 'number') return value;
  const text = textOf(value)
    .trim()
    .replace(/^\u2212/, '-');
  if (text === '') return null;
  const number = Number(text);
  return Number.isFinite(number) ? number : undefined;
}

export function choice<K extends string>(value: Plain, lookup: Map<string, K>): K | null | undefined {
  const text = textOf(value);
  return text.trim() === '' ? null : lookup.get(normalize(text));
}

const WRITTEN_DATE = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$/;

/** A date cell, or a date written YYYY-MM-DD or YYYY/MM/DD, as `YYYY-MM-DD`; null when blank. */
export function dateOf(value: Plain): string | null | { problem: ProblemMessage } {
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  const text = textOf(value).trim();
  if (text === '') return null;
  const match = typeof value === 'string' ? WRITTEN_DATE.exec(text) : null;
  const date = match ? `${match[1]}-${match[2]!.padStart(2, '0')}-${match[3]!.padStart(2, '0')}` : '';
  return isIsoDate(date)
    ? date
    : { problem: { message: `"${text}" is not a date: use a date cell, or write it YYYY-MM-DD`, code: 'notADateCell', values: { value: text } } };
}

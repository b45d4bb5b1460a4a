import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type ExcelJS from 'exceljs';
import { fill } from './formula-text.js';
import type { Formatter } from '../../../shared/i18n.js';
import {
  isOverdue,
  KPI_COMPARISONS,
  KPI_METRICS,
  ROW_STATUSES,
  weeksLabel,
  weeksOf,
  type ExecutionRow,
  type ExecutionTable,
  type KpiComparison,
  type KpiMetric,
  type KpiTarget,
  type RowStatus,
} from '../execution-table.js';

/**
 * The workbook's layout, shared with the importer: the execution table's columns left to right, and the KPI
 * sheet's. `weeks` and `position` are informational (the importer takes the order of the rows as it finds them).
 */
export const TABLE_COLUMNS = [
  'id',
  'position',
  'phase',
  'actions',
  'owner',
  'startDate',
  'endDate',
  'weeks',
  'status',
  'blockers',
  'suggestions',
  'notes',
] as const;
export type TableColumn = (typeof TABLE_COLUMNS)[number];
const KPI_COLUMNS = ['rowId', 'phase', 'metric', 'comparison', 'target', 'unit', 'baselineFrom', 'baselineTo', 'description'] as const;
export type KpiColumn = (typeof KPI_COLUMNS)[number];

/** Everything a workbook shows in one language, from the catalog. */
export interface WorkbookLabels {
  sheets: { table: string; kpi: string };
  columns: Record<TableColumn, string>;
  kpiColumns: Record<KpiColumn, string>;
  status: Record<RowStatus, string>;
  metrics: Record<KpiMetric, string>;
  comparisons: Record<KpiComparison, string>;
}

export function workbookLabels(formatter: Formatter): WorkbookLabels {
  const labels = <K extends string>(group: string, keys: readonly K[]): Record<K, string> =>
    Object.fromEntries(keys.map((key) => [key, formatter.t(`executionTables.${group}.${key}`)])) as Record<K, string>;
  return {
    sheets: labels('sheets', ['table', 'kpi']),
    columns: labels('columns', TABLE_COLUMNS),
    kpiColumns: labels('kpiColumns', KPI_COLUMNS),
    status: labels('status', ROW_STATUSES),
    metrics: labels('metrics', Object.keys(KPI_METRICS) as KpiMetric[]),
    comparisons: labels('comparisons', KPI_COMPARISONS),
  };
}

export interface ExecutionTableExport {
  table: Omit<ExecutionTable, 'rows'>;
  /** The rows in table order; read once, as they are written, so a table of any size streams. */
  rows: AsyncIterable<ExecutionRow>;
  formatter: Formatter;
  /** Epoch ms, shown in the title. */
  exportedAt: number;
  /** `YYYY-MM-DD`: rows ending before it and not done are marked overdue. */
  today: string;
}

const TITLE_ROW = 1;
const HEADER_ROW = 2;
/**
 * Rows read ahead to size the columns. Excel has no auto-fit in the file and the streaming writer fixes widths
 * before the first row; a plan's first rows show the kind of text it holds, and long text wraps at a cap.
 */
const WIDTH_SAMPLE_ROWS = 200;
/** Blank rows under the data that still offer the status list, for rows people add in Excel. */
const ROOM_TO_ADD_ROWS = 500;
/** Yield to the event loop this often: exceljs's writer has no backpressure, and the zip only drains between turns. */
const ROWS_PER_TURN = 25;

const WIDTHS: Record<TableColumn, { min: number; max: number }> = {
  // Numbers and dates wider than their column show as ####: room for ones past the sample.
  id: { min: 10, max: 12 },
  position: { min: 8, max: 10 },
  phase: { min: 12, max: 30 },
  actions: { min: 20, max: 60 },
  owner: { min: 12, max: 30 },
  startDate: { min: 11, max: 12 },
  endDate: { min: 11, max: 12 },
  weeks: { min: 12, max: 16 },
  status: { min: 8, max: 20 },
  blockers: { min: 16, max: 50 },
  suggestions: { min: 16, max: 50 },
  notes: { min: 12, max: 40 },
};
const WRAPPED = new Set<TableColumn>(['phase', 'actions', 'blockers', 'suggestions', 'notes']);

const DATE_FORMAT = 'yyyy-mm-dd';
const solid = (argb: string): ExcelJS.Fill => ({ type: 'pattern', pattern: 'solid', fgColor: { argb } });
const STATUS_FILLS: Record<RowStatus, string> = {
  not_started: 'FFE7E6E6',
  in_progress: 'FFDDEBF7',
  done: 'FFE2EFDA',
  needs_optimization: 'FFFCE4D6',
};
const OVERDUE_FONT: Partial<ExcelJS.Font> = { color: { argb: 'FFC00000' }, bold: true };

// NOTE: one object per look, shared by every cell: exceljs caches a style by object identity, so a fresh
// object per cell would be re-serialised 100,000 times.
const TOP = { vertical: 'top' } as const;
const STYLES = {
  title: { font: { bold: true, size: 14 }, alignment: { vertical: 'middle' } },
  header: { font: { bold: true }, fill: solid('FFD9D9D9'), alignment: { vertical: 'middle', wrapText: true }, border: { bottom: { style: 'thin' } } },
  text: { alignment: TOP },
  wrapped: { alignment: { ...TOP, wrapText: true } },
  date: { numFmt: DATE_FORMAT, alignment: TOP },
  overdueDate: { numFmt: DATE_FORMAT, alignment: TOP, font: OVERDUE_FONT },
  status: Object.fromEntries(ROW_STATUSES.map((status) => [status, { fill: solid(STATUS_FILLS[status]), alignment: TOP }])) as Record<
    RowStatus,
    Partial<ExcelJS.Style>
  >,
} satisfies Record<string, Partial<ExcelJS.Style> | Record<RowStatus, Partial<ExcelJS.Style>>>;

/**
 * Writes an execution table as an .xlsx workbook to `output`, streaming: each row is written and let go, so
 * memory stays flat however long the table. Sheet 1 is the table (title, frozen header with filters, a status
 * list and colour per row, overdue end dates in red); sheet 2 the KPI targets of the rows that have one.
 * `output` is ended when the workbook is complete. If the rows fail, or the reader of `output` goes away, the
 * export stops reading rows, destroys `output` (no half file looks whole) and rejects.
 *
 * @example
 * await exportExecutionTable({ table, rows: repository.streamRows(table.id), formatter, exportedAt: now, today }, response);
 */
export async function exportExecutionTable(input: ExecutionTableExport, output: Writable): Promise<void> {
  const labels = workbookLabels(input.formatter);
  const { default: Excel } = await import('exceljs'); // the largest package: loaded on the first export, not at start
  const workbook = new Excel.stream.xlsx.WorkbookWriter({ stream: output, useStyles: true, useSharedStrings: false });
  const rows = input.rows[Symbol.asyncIterator]();
  const reader = watchReader(output);
  try {
    const sample = await readAhead(rows, WIDTH_SAMPLE_ROWS);
    const sheet = workbook.addWorksheet(labels.sheets.table, { views: [{ state: 'frozen', ySplit: HEADER_ROW }] });
    sheet.columns = TABLE_COLUMNS.map((column) => ({
      key: column,
      width: columnWidth(column, labels.columns[column], sample, input, labels),
      style: columnStyle(column),
    }));

    const title = sheet.getRow(TITLE_ROW);
    fill(
      title.getCell(1),
      input.formatter.t('executionTables.exportTitle', { name: input.table.name, time: input.formatter.dateTime(input.exportedAt) }),
      STYLES.title,
    );
    title.height = 24;
    sheet.mergeCells(TITLE_ROW, 1, TITLE_ROW, TABLE_COLUMNS.length);
    const header = sheet.getRow(HEADER_ROW);
    TABLE_COLUMNS.forEach((column, index) => {
      const cell = header.getCell(index + 1);
      cell.value = labels.columns[column];
      cell.style = STYLES.header;
    });
    header.commit();

    // A tenth of the rows or so: kept to the fields sheet 2 shows, so the table's texts are let go.
    const kpiRows: KpiRow[] = [];
    let lastRow = HEADER_ROW;
    for await (const row of resume(sample, rows)) {
      lastRow += 1;
      writeTableRow(sheet.getRow(lastRow), row, input, labels);
      if (row.kpi) kpiRows.push({ id: row.id, phase: row.phase, kpi: row.kpi });
      if ((lastRow - HEADER_ROW) % ROWS_PER_TURN === 0) await drained(output, reader.gone);
    }

    const statusColumn = letter(TABLE_COLUMNS.indexOf('status') + 1);
    validations(sheet).add(`${statusColumn}${HEADER_ROW + 1}:${statusColumn}${lastRow + ROOM_TO_ADD_ROWS}`, choices(Object.values(labels.status)));
    sheet.autoFilter = { from: { row: HEADER_ROW, column: 1 }, to: { row: lastRow, column: TABLE_COLUMNS.length } };
    sheet.commit();

    writeKpiSheet(workbook, kpiRows, labels);
    const committed = workbook.commit();
    committed.catch(() => undefined); // a failure after the reader went away has no one to tell
    await Promise.race([committed, reader.gone]);
  } catch (error) {
    await rows.return?.();
    // NOTE: without the error: it is the caller's to report, and an 'error' event nobody listens to would crash.
    output.destroy();
    throw error;
  } finally {
    reader.stop();
  }
}

function writeTableRow(target: ExcelJS.Row, row: ExecutionRow, input: ExecutionTableExport, labels: WorkbookLabels): void {
  const values: Record<TableColumn, ExcelJS.CellValue> = {
    id: row.id,
    position: row.position,
    phase: row.phase,
    actions: row.actions,
    owner: row.owner,
    startDate: excelDate(row.startDate),
    endDate: excelDate(row.endDate),
    weeks: weeksLabel(weeksOf(input.table.startDate, row.startDate, row.endDate), input.formatter.locale),
    status: labels.status[row.status],
    blockers: row.blockers,
    suggestions: row.suggestions,
    notes: row.notes,
  };
  TABLE_COLUMNS.forEach((column, index) => {
    const value = values[column];
    if (value === null || value === '') return;
    fill(target.getCell(index + 1), value, cellStyle(column, row, input.today));
  });
  target.commit();
}

function cellStyle(column: TableColumn, row: ExecutionRow, today: string): Partial<ExcelJS.Style> {
  if (column === 'status') return STYLES.status[row.status];
  if (column === 'endDate' && isOverdue(row, today)) return STYLES.overdueDate;
  return columnStyle(column);
}

/** The look of a column, also for cells people fill in later. */
function columnStyle(column: TableColumn): Partial<ExcelJS.Style> {
  if (column === 'startDate' || column === 'endDate') return STYLES.date;
  return WRAPPED.has(column) ? STYLES.wrapped : STYLES.text;
}

interface KpiRow {
  id: number;
  phase: string;
  kpi: KpiTarget;
}

/** Sheet 2: one row per row with a KPI target, the metric and comparison in the reader's language. */
function writeKpiSheet(workbook: ExcelJS.stream.xlsx.WorkbookWriter, kpiRows: KpiRow[], labels: WorkbookLabels): void {
  const sheet = workbook.addWorksheet(labels.sheets.kpi, { views: [{ state: 'frozen', ySplit: 1 }] });
  const widths: Record<KpiColumn, number> = {
    rowId: 10,
    phase: 24,
    metric: 24,
    comparison: 12,
    target: 10,
    unit: 8,
    baselineFrom: 12,
    baselineTo: 12,
    description: 40,
  };
  sheet.columns = KPI_COLUMNS.map((column) => ({
    key: column,
    width: Math.max(widths[column], displayWidth(labels.kpiColumns[column]) + 2),
    style: kpiColumnStyle(column),
  }));
  const header = sheet.getRow(1);
  KPI_COLUMNS.forEach((column, index) => {
    const cell = header.getCell(index + 1);
    cell.value = labels.kpiColumns[column];
    cell.style = STYLES.header;
  });
  header.commit();

  kpiRows.forEach(({ id, phase, kpi }, index) => {
    const values: Record<KpiColumn, ExcelJS.CellValue> = {
      rowId: id,
      phase,
      metric: labels.metrics[kpi.metric],
      comparison: labels.comparisons[kpi.comparison],
      target: kpi.target,
      unit: KPI_METRICS[kpi.metric].unit,
      baselineFrom: excelDate(kpi.baseline?.from ?? null),
      baselineTo: excelDate(kpi.baseline?.to ?? null),
      description: kpi.description ?? null,
    };
    const target = sheet.getRow(index + 2);
    KPI_COLUMNS.forEach((column, col) => {
      const value = values[column];
      if (value !== null && value !== '') fill(target.getCell(col + 1), value);
    });
    target.commit();
  });

  const last = kpiRows.length + 1 + ROOM_TO_ADD_ROWS;
  const metric = letter(KPI_COLUMNS.indexOf('metric') + 1);
  const comparison = letter(KPI_COLUMNS.indexOf('comparison') + 1);
  validations(sheet).add(`${metric}2:${metric}${last}`, choices(Object.values(labels.metrics)));
  validations(sheet).add(`${comparison}2:${comparison}${last}`, choices(Object.values(labels.comparisons)));
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: Math.max(2, kpiRows.length + 1), column: KPI_COLUMNS.length } };
  sheet.commit();
}

function kpiColumnStyle(column: KpiColumn): Partial<ExcelJS.Style> {
  if (column === 'baselineFrom' || column === 'baselineTo') return STYLES.date;
  return column === 'phase' || column === 'description' ? STYLES.wrapped : STYLES.text;
}

/**
 * A column wide enough for its header and the longest line in the sampled rows, within the column's bounds.
 * Widths are in Excel's character units: a CJK character takes two.
 */
function columnWidth(column: TableColumn, header: string, sample: ExecutionRow[], input: ExecutionTableExport, labels: WorkbookLabels): number {
  const texts: string[] = [header];
  for (const row of sample) {
    if (column === 'weeks') texts.push(weeksLabel(weeksOf(input.table.startDate, row.startDate, row.endDate), input.formatter.locale));
    else if (column === 'status') texts.push(labels.status[row.status]);
    else if (column === 'id' || column === 'position') texts.push(String(row[column]));
    else if (column === 'startDate' || column === 'endDate') texts.push(DATE_FORMAT);
    else texts.push(...row[column].split('\n'));
  }
  const { min, max } = WIDTHS[column];
  return Math.min(max, Math.max(min, Math.max(...texts.map(displayWidth)) + 2));
}

const WIDE = /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|[\u{20000}-\u{3fffd}]/u;

/** Characters as Excel's column widths count them: full-width (CJK) characters count two. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += WIDE.test(char) ? 2 : 1;
  return width;
}

/** A calendar date as Excel stores it: a date at UTC midnight, which exceljs writes as a whole day number. */
function excelDate(date: string | null): Date | null {
  return date === null ? null : new Date(`${date}T00:00:00Z`);
}

/** 1 → A, 27 → AA. */
export function letter(column: number): string {
  let name = '';
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

function choices(values: string[]): ExcelJS.DataValidation {
  return { type: 'list', allowBlank: true, showErrorMessage: true, formulae: [`"${values.join(',')}"`] };
}

/**
 * The sheet's data validations, which exceljs's typings leave out. One entry for a whole range, where setting
 * `cell.dataValidation` would keep an entry per cell until the sheet is committed.
 */
function validations(sheet: ExcelJS.Worksheet): { add(range: string, validation: ExcelJS.DataValidation): void } {
  return (sheet as unknown as { dataValidations: { add(range: string, validation: ExcelJS.DataValidation): void } }).dataValidations;
}

async function readAhead<T>(iterator: AsyncIterator<T>, count: number): Promise<T[]> {
  const items: T[] = [];
  while (items.length < count) {
    const next = await iterator.next();
    if (next.done) break;
    items.push(next.value);
  }
  return items;
}

async function* resume<T>(head: T[], rest: AsyncIterator<T>): AsyncGenerator<T> {
  yield* head;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

/**
 * Watches the reader of `output`: `gone` rejects if it closes or fails before the workbook is complete (a
 * download cancelled), so the export stops reading rows instead of waiting for a drain that never comes.
 */
function watchReader(output: Writable): { gone: Promise<never>; stop(): void } {
  let fail!: (error?: Error) => void;
  const gone = new Promise<never>((_, reject) => {
    fail = (error) => reject(error ?? new Error('the reader of the workbook went away before it was complete'));
  });
  // NOTE: rejections are taken by whichever race is running; between races there is nothing to report to.
  gone.catch(() => undefined);
  // NOTE: a complete workbook closes its output too, sometimes before `commit()` has returned.
  const onClose = (): void => {
    if (!output.writableFinished) fail();
  };
  output.once('close', onClose);
  output.once('error', fail);
  return {
    gone,
    stop: () => {
      output.off('close', onClose);
      output.off('error', fail);
    },
  };
}

/** Lets the zip compress what was written, and waits while the reader of `output` is behind. */
async function drained(output: Writable, gone: Promise<never>): Promise<void> {
  await Promise.race([nextTurn(), gone]);
  if (output.writableNeedDrain) await Promise.race([once(output, 'drain'), gone]);
}

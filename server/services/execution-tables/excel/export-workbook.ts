import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type ExcelJS from 'exceljs';
import { fill } from './formula-text.js';
import type { Formatter } from '../../../shared/i18n.js';
import { isOverdue, ROW_STATUSES, weeksLabel, weeksOf, type ExecutionRow, type ExecutionTable, type KpiTarget, type RowStatus } from '../execution-table.js';
import type { Measurement } from '../kpi-measure.js';
import { writeKpiSheet, type KpiRow } from './kpi-sheet.js';
import { drained, watchReader } from '../../../shared/streamed-output.js';
import {
  choices,
  DATE_FORMAT,
  displayWidth,
  excelDate,
  letter,
  LOOKS,
  ROOM_TO_ADD_ROWS,
  solid,
  TABLE_COLUMNS,
  validations,
  workbookLabels,
  type TableColumn,
  type WorkbookLabels,
} from './workbook-layout.js';

export interface ExecutionTableExport {
  table: Omit<ExecutionTable, 'rows'>;
  /** The rows in table order; read once, as they are written, so a table of any size streams. */
  rows: AsyncIterable<ExecutionRow>;
  formatter: Formatter;
  /** Epoch ms, shown in the title. */
  exportedAt: number;
  /** `YYYY-MM-DD`: rows ending before it and not done are marked overdue. */
  today: string;
  /** Measures the rows' KPI targets for the KPI sheet's read-only columns; absent: they stay empty. */
  measure?: (rows: ReadonlyArray<{ id: number; kpi: KpiTarget }>) => Promise<Map<number, Measurement>>;
}

const TITLE_ROW = 1;
const HEADER_ROW = 2;
/**
 * Rows read ahead to size the columns. Excel has no auto-fit in the file and the streaming writer fixes widths
 * before the first row; a plan's first rows show the kind of text it holds, and long text wraps at a cap.
 */
const WIDTH_SAMPLE_ROWS = 200;
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

const STATUS_FILLS: Record<RowStatus, string> = {
  not_started: 'FFE7E6E6',
  in_progress: 'FFDDEBF7',
  done: 'FFE2EFDA',
  needs_optimization: 'FFFCE4D6',
};
const OVERDUE_FONT: Partial<ExcelJS.Font> = { color: { argb: 'FFC00000' }, bold: true };

// NOTE: one object per look, shared by every cell (see LOOKS).
const STYLES = {
  ...LOOKS,
  title: { font: { bold: true, size: 14 }, alignment: { vertical: 'middle' } },
  overdueDate: { numFmt: DATE_FORMAT, alignment: { vertical: 'top' }, font: OVERDUE_FONT },
  status: Object.fromEntries(ROW_STATUSES.map((status) => [status, { fill: solid(STATUS_FILLS[status]), alignment: { vertical: 'top' } }])) as Record<
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
      if ((lastRow - HEADER_ROW) % ROWS_PER_TURN === 0) await drained(output, reader.signal);
    }

    const statusColumn = letter(TABLE_COLUMNS.indexOf('status') + 1);
    validations(sheet).add(`${statusColumn}${HEADER_ROW + 1}:${statusColumn}${lastRow + ROOM_TO_ADD_ROWS}`, choices(Object.values(labels.status)));
    sheet.autoFilter = { from: { row: HEADER_ROW, column: 1 }, to: { row: lastRow, column: TABLE_COLUMNS.length } };
    sheet.commit();

    writeKpiSheet(workbook, kpiRows, labels, input.measure && kpiRows.length ? await input.measure(kpiRows) : new Map(), input.formatter);
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

async function readAhead<T>(iterator: AsyncIterator<T>, count: number): Promise<T[]> {
  const items: T[] = [];
  while (items.length < count) {
    const next = await iterator.next();
    if (next.done) break;
    items.push(next.value);
  }
  return items;
}

/** `head`, then the rest. */
async function* resume<T>(head: T[], rest: AsyncIterator<T>): AsyncGenerator<T> {
  yield* head;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type ExcelJS from 'exceljs';
import { excelTime } from '../../services/reports/workbook-cells.js';
import { drained, watchReader } from '../../shared/streamed-output.js';

/**
 * A table of a page as an Excel workbook: the same columns and rows the page shows, with real numbers (a
 * share as a percentage, a duration in hours and minutes, an instant as a date) so that Excel can sort,
 * filter and chart them. Rows may come from a stream (a drill-down's every ticket): the workbook is written
 * as they come, in flat memory.
 */
/** `hours`: a duration that may be negative (a change), as signed decimal hours: Excel shows no negative time. */
export type CellKind = 'text' | 'integer' | 'number' | 'share' | 'duration' | 'hours' | 'instant';

export interface TableColumn {
  label: string;
  kind: CellKind;
}

/** A value as the kind of its column reads it: a share in [0, 1], a duration or an instant in epoch ms. */
export type CellValue = string | number | null;

/** A value of another kind than its column's: a table of figures mixes counts, durations and shares in one column. */
export interface KindedValue {
  kind: CellKind;
  value: CellValue;
}

export interface TableSheet {
  /** The sheet's name and the title row above the header ("Bottlenecks · customer-inquiry · 2026-10-01 – 2026-11-01"). */
  sheetName: string;
  title: string;
  columns: TableColumn[];
  rows: Iterable<Array<CellValue | KindedValue>> | AsyncIterable<Array<CellValue | KindedValue>>;
  /** The IANA zone instants are written in, as the page shows them (Excel has no zones); undefined: the server's. */
  timeZone?: string | undefined;
}

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const TITLE_ROW = 1;
const HEADER_ROW = 2;
/** Yield to the event loop this often: exceljs's writer has no backpressure, and the zip only drains between turns. */
const ROWS_PER_TURN = 25;
const MS_PER_DAY = 86_400_000;
// NOTE: one object per look, shared by every cell: exceljs caches a style by object identity.
const STYLES: Record<CellKind | 'title' | 'header', Partial<ExcelJS.Style>> = {
  title: { font: { bold: true, size: 13 } },
  header: {
    font: { bold: true },
    fill: { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFD9D9D9' } },
    alignment: { wrapText: true, vertical: 'middle' },
  },
  text: { alignment: { vertical: 'top' } },
  integer: { numFmt: '#,##0' },
  number: { numFmt: '#,##0.00' },
  share: { numFmt: '0.0%' },
  // Days as Excel counts time, shown as hours past 24: [h]:mm.
  duration: { numFmt: '[h]:mm' },
  hours: { numFmt: '0.00 "h"' },
  instant: { numFmt: 'yyyy-mm-dd hh:mm' },
};
const WIDTHS: Record<CellKind, number> = { text: 28, integer: 10, number: 12, share: 10, duration: 12, hours: 10, instant: 17 };

/**
 * Writes `table` as an .xlsx workbook to `output` (one sheet: a title row, a frozen header with filters, the
 * rows) and ends it. Should the rows fail or the reader go away, `output` is destroyed (no half file looks
 * whole) and the promise rejects.
 *
 * @example
 * await writeTableWorkbook({ sheetName: 'Variants', title, columns, rows }, res);
 */
export async function writeTableWorkbook(table: TableSheet, output: Writable): Promise<void> {
  const { default: Excel } = await import('exceljs'); // the largest package: loaded on the first export, not at start
  const workbook = new Excel.stream.xlsx.WorkbookWriter({ stream: output, useStyles: true, useSharedStrings: false });
  const reader = watchReader(output);
  try {
    const sheet = workbook.addWorksheet(sheetName(table.sheetName), { views: [{ state: 'frozen', ySplit: HEADER_ROW }] });
    sheet.columns = table.columns.map((column) => ({
      width: Math.max(WIDTHS[column.kind], Math.min(40, column.label.length + 4)),
      style: STYLES[column.kind],
    }));
    const title = sheet.getRow(TITLE_ROW);
    title.getCell(1).value = table.title;
    title.getCell(1).style = STYLES.title;
    title.commit();
    const header = sheet.getRow(HEADER_ROW);
    table.columns.forEach((column, index) => {
      const cell = header.getCell(index + 1);
      cell.value = column.label;
      cell.style = STYLES.header;
    });
    header.commit();
    let last = HEADER_ROW;
    for await (const values of table.rows) {
      last += 1;
      const row = sheet.getRow(last);
      table.columns.forEach((column, index) => {
        const given = values[index];
        const { kind, value } = given !== null && typeof given === 'object' ? given : { kind: column.kind, value: given };
        if (value === null || value === undefined) return;
        const cell = row.getCell(index + 1);
        cell.value = excelValue(kind, value, table.timeZone);
        cell.style = STYLES[kind];
      });
      row.commit();
      if ((last - HEADER_ROW) % ROWS_PER_TURN === 0) await drained(output, reader.signal);
    }
    sheet.autoFilter = { from: { row: HEADER_ROW, column: 1 }, to: { row: last, column: Math.max(1, table.columns.length) } };
    sheet.commit();
    const committed = workbook.commit();
    committed.catch(() => undefined); // a failure after the reader went away has no one to tell
    await Promise.race([committed, reader.gone]);
  } catch (error) {
    // NOTE: without the error: it is the caller's to report, and an 'error' event nobody listens to would crash.
    output.destroy();
    throw error;
  } finally {
    reader.stop();
  }
}

function excelValue(kind: CellKind, value: string | number, timeZone: string | undefined): ExcelJS.CellValue {
  if (typeof value === 'string') return value;
  switch (kind) {
    case 'duration':
      return value / MS_PER_DAY;
    case 'hours':
      return value / 3_600_000;
    case 'instant':
      // The wall-clock time the pages show (the server's own zone when none is set).
      return excelTime(value, timeZone ?? 'system');
    default:
      return value;
  }
}

/** Excel refuses sheet names over 31 characters or with any of : \ / ? * [ ]. */
function sheetName(name: string): string {
  return name.replace(/[:\\/?*[\]]/g, ' ').slice(0, 31) || 'Sheet1';
}

import type ExcelJS from 'exceljs';
import { DateTime } from 'luxon';

// What the report workbooks share: cell looks, instants and durations as Excel stores them, and how often to
// let the streaming writer, which has no backpressure of its own, catch up.

const solid = (argb: string): ExcelJS.Fill => ({ type: 'pattern', pattern: 'solid', fgColor: { argb } });

// NOTE: one object per look, shared by every cell: exceljs caches a style by object identity.
export const STYLES = {
  title: { font: { bold: true, size: 14 } },
  header: { font: { bold: true }, fill: solid('FFD9D9D9'), alignment: { vertical: 'middle', wrapText: true }, border: { bottom: { style: 'thin' } } },
  section: { font: { bold: true, size: 12 } },
  text: { alignment: { vertical: 'top' } },
  wrapped: { alignment: { vertical: 'top', wrapText: true } },
  time: { numFmt: 'yyyy-mm-dd hh:mm', alignment: { vertical: 'top' } },
  duration: { numFmt: '[h]:mm:ss', alignment: { vertical: 'top' } },
  percent: { numFmt: '0.0%', alignment: { vertical: 'top' } },
  decimal: { numFmt: '0.00', alignment: { vertical: 'top' } },
  integer: { numFmt: '0', alignment: { vertical: 'top' } },
  missed: { font: { color: { argb: 'FFC00000' }, bold: true }, alignment: { vertical: 'top' } },
} satisfies Record<string, Partial<ExcelJS.Style>>;

/**
 * An instant as Excel shows it in `zone`: Excel has no time zones, so the cell holds the local wall time
 * (written as if it were UTC, which is how exceljs stores a Date).
 */
export function excelTime(ms: number | null, zone: string): Date | null {
  if (ms === null) return null;
  const local = DateTime.fromMillis(ms, { zone });
  return new Date(Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second));
}

/** A duration as Excel stores one: a fraction of a day (shown `[h]:mm:ss`). */
export function excelDuration(ms: number | null): number | null {
  return ms === null ? null : ms / 86_400_000;
}

/** Rows between looks at the output: the zip only compresses between turns of the event loop. */
export const ROWS_PER_TURN = 50;

/** Header cells of `row`, in order, committed. */
export function writeHeader(row: ExcelJS.Row, labels: readonly string[]): void {
  labels.forEach((label, index) => {
    const cell = row.getCell(index + 1);
    cell.value = label;
    cell.style = STYLES.header;
  });
  row.commit();
}

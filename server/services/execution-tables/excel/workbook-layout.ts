import type ExcelJS from 'exceljs';
import type { Formatter } from '../../../shared/i18n.js';
import { KPI_COMPARISONS, KPI_METRICS, ROW_STATUSES, type KpiComparison, type KpiMetric, type RowStatus } from '../execution-table.js';

/**
 * The workbook's layout, shared by the export and the import: the execution table's columns left to right, and
 * the KPI sheet's. `weeks` and `position` are informational (the importer takes the order of the rows as it
 * finds them); on the KPI sheet `measured`, `met` and `measuredOver` are read-only (measured at export time).
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
export const KPI_COLUMNS = [
  'rowId',
  'phase',
  'metric',
  'comparison',
  'target',
  'unit',
  'baselineFrom',
  'baselineTo',
  'description',
  'workflow',
  'measured',
  'met',
  'measuredOver',
] as const;
export type KpiColumn = (typeof KPI_COLUMNS)[number];
/** What a target's measurement says: met, missed, or nothing measured yet. */
export const VERDICTS = ['met', 'missed', 'unmeasured'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** Everything a workbook shows in one language, from the catalog. */
export interface WorkbookLabels {
  sheets: { table: string; kpi: string };
  columns: Record<TableColumn, string>;
  kpiColumns: Record<KpiColumn, string>;
  status: Record<RowStatus, string>;
  metrics: Record<KpiMetric, string>;
  comparisons: Record<KpiComparison, string>;
  verdicts: Record<Verdict, string>;
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
    verdicts: labels('verdicts', VERDICTS),
  };
}

/** Blank rows under the data that still offer the drop-down lists, for rows people add in Excel. */
export const ROOM_TO_ADD_ROWS = 500;
export const DATE_FORMAT = 'yyyy-mm-dd';
export const solid = (argb: string): ExcelJS.Fill => ({ type: 'pattern', pattern: 'solid', fgColor: { argb } });

// NOTE: one object per look, shared by every cell: exceljs caches a style by object identity, so a fresh
// object per cell would be re-serialised 100,000 times.
const TOP = { vertical: 'top' } as const;
export const LOOKS = {
  header: { font: { bold: true }, fill: solid('FFD9D9D9'), alignment: { vertical: 'middle', wrapText: true }, border: { bottom: { style: 'thin' } } },
  text: { alignment: TOP },
  wrapped: { alignment: { ...TOP, wrapText: true } },
  date: { numFmt: DATE_FORMAT, alignment: TOP },
  measured: { numFmt: '0.00', alignment: TOP, font: { italic: true } },
  met: { fill: solid('FFE2EFDA'), alignment: TOP },
  missed: { fill: solid('FFFCE4D6'), alignment: TOP, font: { color: { argb: 'FFC00000' }, bold: true } },
} satisfies Record<string, Partial<ExcelJS.Style>>;

const WIDE = /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|[\u{20000}-\u{3fffd}]/u;

/** Characters as Excel's column widths count them: full-width (CJK) characters count two. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += WIDE.test(char) ? 2 : 1;
  return width;
}

/** A calendar date as Excel stores it: a date at UTC midnight, which exceljs writes as a whole day number. */
export function excelDate(date: string | null): Date | null {
  return date === null ? null : new Date(`${date}T00:00:00Z`);
}

/** 1 → A, 27 → AA. */
export function letter(column: number): string {
  let name = '';
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

export function choices(values: string[]): ExcelJS.DataValidation {
  return { type: 'list', allowBlank: true, showErrorMessage: true, formulae: [`"${values.join(',')}"`] };
}

/**
 * The sheet's data validations, which exceljs's typings leave out. One entry for a whole range, where setting
 * `cell.dataValidation` would keep an entry per cell until the sheet is committed.
 */
export function validations(sheet: ExcelJS.Worksheet): { add(range: string, validation: ExcelJS.DataValidation): void } {
  return (sheet as unknown as { dataValidations: { add(range: string, validation: ExcelJS.DataValidation): void } }).dataValidations;
}

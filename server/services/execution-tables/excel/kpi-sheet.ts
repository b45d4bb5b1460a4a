import type ExcelJS from 'exceljs';
import type { Formatter } from '../../../shared/i18n.js';
import { KPI_METRICS, type KpiTarget } from '../execution-table.js';
import type { Measurement } from '../kpi-measure.js';
import { fill } from './formula-text.js';
import {
  choices,
  displayWidth,
  excelDate,
  KPI_COLUMNS,
  letter,
  LOOKS,
  ROOM_TO_ADD_ROWS,
  validations,
  type KpiColumn,
  type Verdict,
  type WorkbookLabels,
} from './workbook-layout.js';

/** A row with a KPI target, kept to the fields the KPI sheet shows. */
export interface KpiRow {
  id: number;
  phase: string;
  kpi: KpiTarget;
}

const WIDTHS: Record<KpiColumn, number> = {
  rowId: 10,
  phase: 24,
  metric: 24,
  comparison: 12,
  target: 10,
  unit: 8,
  baselineFrom: 12,
  baselineTo: 12,
  description: 40,
  workflow: 20,
  measured: 12,
  met: 10,
  measuredOver: 34,
};

export function verdictOf(measurement: Measurement | undefined): Verdict {
  if (measurement?.met === true) return 'met';
  return measurement?.met === false ? 'missed' : 'unmeasured';
}

/**
 * Sheet 2: one row per row with a KPI target, the metric and comparison in the reader's language, then each
 * target's live measurement (value, met or missed, the period measured) — read-only: the import ignores them.
 */
export function writeKpiSheet(
  workbook: ExcelJS.stream.xlsx.WorkbookWriter,
  kpiRows: KpiRow[],
  labels: WorkbookLabels,
  measurements: Map<number, Measurement>,
  formatter: Formatter,
): void {
  const sheet = workbook.addWorksheet(labels.sheets.kpi, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = KPI_COLUMNS.map((column) => ({
    key: column,
    width: Math.max(WIDTHS[column], displayWidth(labels.kpiColumns[column]) + 2),
    style: columnStyle(column),
  }));
  const header = sheet.getRow(1);
  KPI_COLUMNS.forEach((column, index) => {
    const cell = header.getCell(index + 1);
    cell.value = labels.kpiColumns[column];
    cell.style = LOOKS.header;
  });
  header.commit();

  kpiRows.forEach(({ id, phase, kpi }, index) => {
    const measurement = measurements.get(id);
    const verdict = verdictOf(measurement);
    const values: Record<KpiColumn, ExcelJS.CellValue> = {
      rowId: id,
      phase,
      metric: labels.metrics[kpi.metric],
      comparison: labels.comparisons[kpi.comparison],
      target: kpi.target,
      unit: unitOf(kpi, formatter),
      baselineFrom: excelDate(kpi.baseline?.from ?? null),
      baselineTo: excelDate(kpi.baseline?.to ?? null),
      description: kpi.description ?? null,
      workflow: kpi.workflow ?? null,
      measured: measurement?.value ?? null,
      met: measurement ? labels.verdicts[verdict] : null,
      measuredOver: measurement ? `${formatter.dateTime(measurement.from)} – ${formatter.dateTime(measurement.to)}` : null,
    };
    const target = sheet.getRow(index + 2);
    KPI_COLUMNS.forEach((column, col) => {
      const value = values[column];
      if (value === null || value === '') return;
      fill(target.getCell(col + 1), value, column === 'met' && verdict !== 'unmeasured' ? LOOKS[verdict] : undefined);
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

function columnStyle(column: KpiColumn): Partial<ExcelJS.Style> {
  if (column === 'baselineFrom' || column === 'baselineTo') return LOOKS.date;
  if (column === 'measured') return LOOKS.measured;
  return column === 'phase' || column === 'description' ? LOOKS.wrapped : LOOKS.text;
}

/**
 * The target's unit as the row's page writes it, in the workbook's language: a change target is in percent;
 * counts and scores have none.
 */
function unitOf(kpi: KpiTarget, formatter: Formatter): string | null {
  if (kpi.comparison === 'change_lte' || kpi.comparison === 'change_gte') return '%';
  const unit = KPI_METRICS[kpi.metric].unit;
  return unit === 'count' || unit === 'score' ? null : formatter.t(`executionTables.units.${unit}`);
}

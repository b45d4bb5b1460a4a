import type { Writable } from 'node:stream';
import type ExcelJS from 'exceljs';
import type { ReportPeriod, Subscription } from '../../data/reports/model.js';
import type { Formatter } from '../../shared/i18n.js';
import { watchReader } from '../../shared/streamed-output.js';
import type { Metrics, StepStats } from '../analytics/metrics-model.js';
import { fill } from '../execution-tables/excel/formula-text.js';
import { figureDefinition, figureName, kpiFigures, type KpiFigure } from './kpi-figures.js';
import { writeTicketSheet, type TicketSheetInput } from './ticket-sheet.js';
import { excelDuration, excelTime, STYLES, writeHeader } from './workbook-cells.js';

export interface ReportWorkbookInput extends Omit<TicketSheetInput, 'output' | 'signal'> {
  subscription: Pick<Subscription, 'workflow' | 'frequency'>;
  period: ReportPeriod;
  metrics: Metrics;
  generatedAt: number;
}

/**
 * A scheduled report as an .xlsx workbook, streamed to `output` (ended when complete): the dashboard's KPI
 * figures with their definitions, the bottleneck steps, and one row per ticket with its timers. Answers how
 * many ticket rows it wrote. On failure `output` is destroyed, so no half file looks whole.
 */
export async function writeReportWorkbook(input: ReportWorkbookInput, output: Writable): Promise<number> {
  return streamed(output, async (workbook, signal) => {
    writeKpiSheet(workbook, input);
    writeBottleneckSheet(workbook, input);
    return writeTicketSheet(workbook, { ...input, output, signal });
  });
}

/** The per-ticket rows alone (`GET /api/metrics/tickets.xlsx`), streamed the same way. */
export function writeTicketWorkbook(input: Omit<TicketSheetInput, 'output' | 'signal'>, output: Writable): Promise<number> {
  return streamed(output, (workbook, signal) => writeTicketSheet(workbook, { ...input, output, signal }));
}

async function streamed(output: Writable, write: (workbook: ExcelJS.stream.xlsx.WorkbookWriter, signal: AbortSignal) => Promise<number>): Promise<number> {
  const { default: Excel } = await import('exceljs'); // the largest package: loaded on the first report, not at start
  const workbook = new Excel.stream.xlsx.WorkbookWriter({ stream: output, useStyles: true, useSharedStrings: false });
  const reader = watchReader(output);
  try {
    const rows = await write(workbook, reader.signal);
    await workbook.commit();
    return rows;
  } catch (error) {
    // NOTE: without the error: it is the caller's to report, and an 'error' event nobody listens to would crash.
    output.destroy();
    throw error;
  } finally {
    reader.stop();
  }
}

function title(input: ReportWorkbookInput): string {
  const { t } = input.formatter;
  const workflow = input.subscription.workflow ?? t('reports.allWorkflows');
  return `${workflow} · ${t(`reports.frequencies.${input.subscription.frequency}`)} ${input.period.label}`;
}

function writeKpiSheet(workbook: ExcelJS.stream.xlsx.WorkbookWriter, input: ReportWorkbookInput): void {
  const { t, locale } = input.formatter;
  const sheet = workbook.addWorksheet(t('reports.sheets.kpis'), { views: [{ state: 'frozen', ySplit: 4 }] });
  sheet.columns = [{ width: 30 }, { width: 14 }, { width: 10 }, { width: 90, style: STYLES.wrapped }];
  fill(sheet.getRow(1).getCell(1), title(input), STYLES.title);
  sheet.getRow(1).commit();
  const time = (ms: number) => excelTime(ms, input.zone)!.toISOString().slice(0, 16).replace('T', ' ');
  fill(
    sheet.getRow(2).getCell(1),
    t('reports.workbookPeriod', { from: time(input.period.from), to: time(input.period.to), zone: input.zone, generated: time(input.generatedAt) }),
  );
  sheet.getRow(2).commit();
  writeHeader(sheet.getRow(4), [t('reports.kpiColumns.kpi'), t('reports.kpiColumns.value'), t('reports.kpiColumns.n'), t('reports.kpiColumns.definition')]);
  kpiFigures(input.metrics.kpis).forEach((figure, index) => {
    const row = sheet.getRow(index + 5);
    fill(
      row.getCell(1),
      figureName(figure, locale, (variant) => t(`reports.variants.${variant}`)),
    );
    if (figure.value !== null) fill(row.getCell(2), figureValue(figure), FIGURE_STYLES[figure.kind]);
    if (figure.n !== null) fill(row.getCell(3), figure.n, STYLES.integer);
    fill(row.getCell(4), figureDefinition(figure, locale));
    row.commit();
  });
  sheet.commit();
}

const FIGURE_STYLES = { duration: STYLES.duration, share: STYLES.percent, count: STYLES.integer, score: STYLES.decimal } as const;

function figureValue(figure: KpiFigure): number {
  return figure.kind === 'duration' ? excelDuration(figure.value)! : figure.value!;
}

const STEP_COLUMNS = ['rank', 'step', 'name', 'visits', 'p50', 'p90', 'medianOverLimit', 'totalWaiting', 'breachShare', 'sla'] as const;

/** The steps ranked by total waiting time, then by breach share, one table under the other. */
function writeBottleneckSheet(workbook: ExcelJS.stream.xlsx.WorkbookWriter, input: ReportWorkbookInput): void {
  const { t } = input.formatter;
  const sheet = workbook.addWorksheet(t('reports.sheets.bottlenecks'));
  sheet.columns = [
    { width: 6 },
    { width: 24 },
    { width: 30 },
    { width: 8 },
    { width: 11 },
    { width: 11 },
    { width: 12 },
    { width: 14 },
    { width: 12 },
    { width: 11 },
  ];
  let at = 1;
  for (const [key, steps] of [
    ['byWaiting', input.metrics.bottlenecks.byWaiting],
    ['byBreachShare', input.metrics.bottlenecks.byBreachShare],
  ] as const) {
    fill(sheet.getRow(at).getCell(1), t(`reports.bottlenecks.${key}`), STYLES.section);
    sheet.getRow(at).commit();
    writeHeader(
      sheet.getRow(at + 1),
      STEP_COLUMNS.map((column) => t(`reports.stepColumns.${column}`)),
    );
    at += 2;
    steps.forEach((step, index) => writeStepRow(sheet.getRow(at++), step, index + 1));
    at += 1;
  }
  sheet.commit();
}

function writeStepRow(row: ExcelJS.Row, step: StepStats, rank: number): void {
  const values: Array<[ExcelJS.CellValue, Partial<ExcelJS.Style>]> = [
    [rank, STYLES.integer],
    [step.step, STYLES.text],
    [step.name, STYLES.text],
    [step.visits, STYLES.integer],
    [excelDuration(step.p50Ms), STYLES.duration],
    [excelDuration(step.p90Ms), STYLES.duration],
    [step.medianOverLimit, STYLES.percent],
    [excelDuration(step.totalWaitingMs), STYLES.duration],
    [step.breachShare, STYLES.percent],
    [excelDuration(step.slaMs), STYLES.duration],
  ];
  values.forEach(([value, style], index) => {
    if (value !== null) fill(row.getCell(index + 1), value, style);
  });
  row.commit();
}

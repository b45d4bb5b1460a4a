/**
 * One export of the Excel benchmark, run as its own process (`fork`) so that the process's peak resident
 * memory is the export's alone: it reports the RSS before the first row and the peak (`maxRSS`) after the
 * workbook is complete.
 */
import { createWriteStream, statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { exportExecutionTable } from '../../../server/execution-tables/excel/export-workbook.js';
import type { ExecutionRow, ExecutionTable } from '../../../server/execution-tables/execution-table.js';
import { createI18n, type Formatter, type Locale } from '../../../server/web/i18n.js';
import { BENCH_TABLE_START, syntheticRows } from './synthetic-rows.js';

/** What the parent passes as the one command-line argument, as JSON. */
export interface ExportRunOptions {
  root: string;
  file: string;
  rows: number;
  locale: Locale;
}

export type ExportRunResult = { ms: number; startRss: number; peakRss: number; bytes: number; rows: number; kpiRows: number } | { error: string };

const TABLE: Omit<ExecutionTable, 'rows'> = {
  id: 1,
  name: '客服流程优化 benchmark',
  owner: 'bench@example.com',
  startDate: BENCH_TABLE_START,
  template: null,
  workflows: [],
  createdAt: 0,
  createdBy: 'bench@example.com',
};

/** Exports `rows` to `file` and measures it. The rows are the seam: made up here, read from the database later. */
export async function measureExport(rows: AsyncIterable<ExecutionRow>, file: string, formatter: Formatter): Promise<ExportRunResult> {
  let count = 0;
  let kpiRows = 0;
  async function* counted(): AsyncGenerator<ExecutionRow> {
    for await (const row of rows) {
      count += 1;
      if (row.kpi) kpiRows += 1;
      yield row;
    }
  }
  const startRss = process.memoryUsage().rss;
  const started = performance.now();
  await exportExecutionTable({ table: TABLE, rows: counted(), formatter, exportedAt: Date.now(), today: '2026-06-01' }, createWriteStream(file));
  const ms = performance.now() - started;
  return { ms, startRss, peakRss: process.resourceUsage().maxRSS * 1024, bytes: statSync(file).size, rows: count, kpiRows };
}

async function main(options: ExportRunOptions): Promise<ExportRunResult> {
  const { formatter } = createI18n(new URL('views/locales/', pathToFileURL(`${options.root}/`)));
  return measureExport(syntheticRows(options.rows), options.file, formatter(options.locale));
}

function report(result: ExportRunResult): void {
  process.send!(result, () => process.disconnect());
}

main(JSON.parse(process.argv[2]!) as ExportRunOptions).then(report, (error: unknown) => {
  report({ error: error instanceof Error ? error.message.slice(0, 500) : String(error) });
  process.exitCode = 1;
});

/**
 * One export of the Excel benchmark, run as its own process (`fork`) so that the process's peak resident
 * memory is the export's alone: it opens SOPflow on the benchmark's SQLite file, then reports the RSS before
 * the first row and the peak (`maxRSS`) after the workbook is complete. Rows come from the database through
 * `ExecutionTables.rows`, as the API's export reads them.
 */
import { createWriteStream, statSync } from 'node:fs';
import { openSopflow } from '../../../server/sopflow.js';
import { exportExecutionTable } from '../../../server/services/execution-tables/excel/export-workbook.js';
import type { ExecutionRow, ExecutionTable } from '../../../server/services/execution-tables/execution-table.js';
import { createI18n, LOCALES_DIR, type Formatter, type Locale } from '../../../server/shared/i18n.js';
import { benchConfig } from '../runtime/ticket-path.js';

/** What the parent passes as the one command-line argument, as JSON. */
export interface ExportRunOptions {
  file: string;
  databaseFile: string;
  tableId: number;
  locale: Locale;
}

export type ExportRunResult = { ms: number; startRss: number; peakRss: number; bytes: number; rows: number; kpiRows: number } | { error: string };

/** Exports `rows` to `file` and measures it. */
export async function measureExport(
  table: Omit<ExecutionTable, 'rows'>,
  rows: AsyncIterable<ExecutionRow>,
  file: string,
  formatter: Formatter,
): Promise<ExportRunResult> {
  let count = 0;
  let kpiRows = 0;
  async function* counted(): AsyncGenerator<ExecutionRow> {
    for await (const row of rows) {
      count += 1;
      if (row.kpi) kpiRows += 1;
      yield row;
    }
  }
  // The server loads exceljs on its first export and keeps it: its code is not what one export costs.
  await import('exceljs');
  const startRss = process.memoryUsage().rss;
  const started = performance.now();
  await exportExecutionTable({ table, rows: counted(), formatter, exportedAt: Date.now(), today: '2026-06-01' }, createWriteStream(file));
  const ms = performance.now() - started;
  return { ms, startRss, peakRss: process.resourceUsage().maxRSS * 1024, bytes: statSync(file).size, rows: count, kpiRows };
}

async function main(options: ExportRunOptions): Promise<ExportRunResult> {
  const { formatter } = createI18n(LOCALES_DIR);
  const app = await openSopflow(benchConfig({ client: 'sqlite', filename: options.databaseFile, synchronous: 'NORMAL' }));
  try {
    const table = await app.executionTables.summary(options.tableId);
    return await measureExport(table, app.executionTables.rows(options.tableId), options.file, formatter(options.locale));
  } finally {
    await app.close();
  }
}

function report(result: ExportRunResult): void {
  process.send!(result, () => process.disconnect());
}

main(JSON.parse(process.argv[2]!) as ExportRunOptions).then(report, (error: unknown) => {
  report({ error: error instanceof Error ? error.message.slice(0, 500) : String(error) });
  process.exitCode = 1;
});

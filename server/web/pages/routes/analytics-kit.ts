import type { Request, Response } from 'express';
import type { TicketFactRow, TicketsQuery } from '../../../services/analytics/metrics-model.js';
import type { Formatter } from '../../../shared/i18n.js';
import type { WorkflowVersion } from '../../../services/workflows/workflow-library.js';
import { AppError } from '../../../shared/errors.js';
import type { PageKit } from '../page-kit.js';
import { analyticsDays, type AnalyticsDays } from '../view-models/analytics-filter.js';
import { DEFAULT_ANALYTICS_SETTINGS, overChars } from '../../../shared/config.js';
import { drillTable } from '../view-models/drill-down.js';
import { writeTableWorkbook, XLSX_TYPE, type TableSheet } from '../table-workbook.js';

/** The workflow an analytics page is about: its key, latest version and every version, newest first. */
export interface WorkflowContext {
  key: string;
  latest: WorkflowVersion;
  versions: number[];
  /** Each version and the day (`YYYY-MM-DD`) it was published, newest first. */
  published: Array<{ version: number; day: string }>;
}

/** The workflow named by `:key`; a key no workflow has is a 404 page. */
export async function workflowOf(kit: PageKit, req: Request): Promise<WorkflowContext> {
  const key = String(req.params.key);
  if (overChars(key, 200)) throw new AppError('not_found', 'no such workflow');
  const [latest, versions] = await Promise.all([kit.app.workflows.latest(key), kit.app.workflows.versions(key)]);
  const days = daysOf(kit);
  return { key, latest, versions: versions.map((v) => v.version), published: versions.map((v) => ({ version: v.version, day: days.dayOf(v.publishedAt) })) };
}

/** Days as the metric engine counts them (its ANALYTICS_UTC_OFFSET), for the pages' periods. */
export function daysOf(kit: PageKit): AnalyticsDays {
  return analyticsDays((kit.app.config.analytics ?? DEFAULT_ANALYTICS_SETTINGS).weekUtcOffsetMinutes);
}

/** "customer-inquiry bottlenecks-waiting 2026-10-01 2026-10-28.xlsx": without characters file systems refuse. */
export function workbookFilename(parts: string[]): string {
  return `${parts
    .join(' ')
    .replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_')
    .slice(0, 150)}.xlsx`;
}

/** Answers with `sheet` as an .xlsx download, streamed as it is written. */
export async function sendWorkbook(res: Response, filename: string, sheet: TableSheet, f: Formatter): Promise<void> {
  res.status(200).type(XLSX_TYPE).attachment(filename);
  await writeTableWorkbook({ ...sheet, timeZone: f.timeZone }, res);
}

/** Tickets a workbook reads from the engine at once: its rows are written as they come. */
const TICKETS_PER_READ = 500;

/** Every ticket of `query` (a drill-down, an agent's) as a workbook of the drill-down's columns, streamed page by page. */
export async function sendTicketsWorkbook(
  kit: PageKit,
  res: Response,
  f: Formatter,
  query: TicketsQuery,
  { filename, title }: { filename: string; title: string },
): Promise<void> {
  const { caption, columns } = drillTable([], f, '');
  await sendWorkbook(res, filename, { sheetName: caption, title, columns, rows: valuesOf(everyTicket(kit, query), f) }, f);
}

async function* everyTicket(kit: PageKit, query: TicketsQuery): AsyncGenerator<TicketFactRow> {
  let cursor: string | undefined;
  do {
    const page = await kit.app.analytics.tickets({ ...query, limit: TICKETS_PER_READ, ...(cursor ? { cursor } : {}) });
    yield* page.rows;
    cursor = page.next;
  } while (cursor);
}

async function* valuesOf(rows: AsyncIterable<TicketFactRow>, f: Formatter) {
  for await (const row of rows) yield drillTable([row], f, '').rows[0]!.cells.map((c) => c.value);
}

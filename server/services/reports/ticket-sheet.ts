import type { Writable } from 'node:stream';
import type ExcelJS from 'exceljs';
import type { TicketTimer } from '../../data/reports/model.js';
import type { TicketTimersReadModel } from '../../data/reports/ticket-timers.query.js';
import type { Formatter } from '../../shared/i18n.js';
import { drained } from '../../shared/streamed-output.js';
import type { TicketFactRow } from '../analytics/metrics-model.js';
import { fill } from '../execution-tables/excel/formula-text.js';
import { excelDuration, excelTime, ROWS_PER_TURN, STYLES, writeHeader } from './workbook-cells.js';

/** The per-ticket sheet's columns, left to right: one row per ticket, its timers listed in the last two. */
export const TICKET_COLUMNS = [
  'id',
  'workflow',
  'version',
  'channel',
  'level',
  'vip',
  'createdAt',
  'closedAt',
  'agents',
  'firstResponse',
  'resolution',
  'breaches',
  'reopenings',
  'csat',
  'abandoned',
  'fcr',
  'timerCount',
  'timers',
] as const;
export type TicketColumn = (typeof TICKET_COLUMNS)[number];

const WIDTHS: Record<TicketColumn, number> = {
  id: 10,
  workflow: 20,
  version: 8,
  channel: 10,
  level: 8,
  vip: 6,
  createdAt: 17,
  closedAt: 17,
  agents: 28,
  firstResponse: 12,
  resolution: 12,
  breaches: 8,
  reopenings: 8,
  csat: 6,
  abandoned: 8,
  fcr: 8,
  timerCount: 8,
  timers: 80,
};

const STYLE_OF: Partial<Record<TicketColumn, Partial<ExcelJS.Style>>> = {
  createdAt: STYLES.time,
  closedAt: STYLES.time,
  firstResponse: STYLES.duration,
  resolution: STYLES.duration,
  agents: STYLES.wrapped,
  timers: STYLES.wrapped,
};

/** Tickets whose timers are read in one query. */
const TIMER_BATCH = 500;

export interface TicketSheetInput {
  rows: AsyncIterable<TicketFactRow>;
  timers: TicketTimersReadModel;
  formatter: Formatter;
  /** The zone instants are shown in. */
  zone: string;
  output: Writable;
  /** Aborted when the reader of `output` goes away (`watchReader`). */
  signal: AbortSignal;
}

/**
 * Adds the per-ticket sheet to a streaming workbook: a header, then one row per ticket as `rows` yields them,
 * each committed and let go (its timers read a batch of tickets at a time), so memory stays flat however many
 * tickets there are. Answers how many rows it wrote. The report and the per-ticket export both write it.
 */
export async function writeTicketSheet(workbook: ExcelJS.stream.xlsx.WorkbookWriter, input: TicketSheetInput): Promise<number> {
  const { t } = input.formatter;
  const sheet = workbook.addWorksheet(t('reports.sheets.tickets'), { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = TICKET_COLUMNS.map((column) => ({ key: column, width: WIDTHS[column], style: STYLE_OF[column] ?? STYLES.text }));
  writeHeader(
    sheet.getRow(1),
    TICKET_COLUMNS.map((column) => t(`reports.ticketColumns.${column}`)),
  );
  let written = 0;
  let batch: TicketFactRow[] = [];
  const flush = async (): Promise<void> => {
    const timers = await input.timers.timersOf(batch.map((row) => row.id));
    for (const row of batch) {
      written += 1;
      writeTicketRow(sheet.getRow(written + 1), row, timers.get(row.id) ?? [], input);
      if (written % ROWS_PER_TURN === 0) await drained(input.output, input.signal);
    }
    batch = [];
  };
  for await (const row of input.rows) {
    batch.push(row);
    if (batch.length >= TIMER_BATCH) await flush();
  }
  if (batch.length) await flush();
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: Math.max(1, written + 1), column: TICKET_COLUMNS.length } };
  sheet.commit();
  return written;
}

function writeTicketRow(target: ExcelJS.Row, row: TicketFactRow, timers: TicketTimer[], input: TicketSheetInput): void {
  const { t } = input.formatter;
  const yesNo = (value: boolean | null): string | null => (value === null ? null : t(value ? 'reports.yes' : 'reports.no'));
  const values: Record<TicketColumn, ExcelJS.CellValue> = {
    id: row.id,
    workflow: row.workflow,
    version: row.version,
    channel: t(`channels.${row.channel}`, { defaultValue: row.channel }),
    level: row.level,
    vip: yesNo(row.vip),
    createdAt: excelTime(row.createdAt, input.zone),
    closedAt: excelTime(row.closedAt, input.zone),
    agents: row.agents.join(', '),
    firstResponse: excelDuration(row.firstResponseMs),
    resolution: excelDuration(row.resolutionMs),
    breaches: row.breaches,
    reopenings: row.reopenings,
    csat: row.csat,
    abandoned: yesNo(row.abandoned),
    fcr: yesNo(row.fcr),
    timerCount: timers.length,
    timers: timers.map((timer) => timerLine(timer, input)).join('\n'),
  };
  TICKET_COLUMNS.forEach((column, index) => {
    const value = values[column];
    if (value !== null && value !== '') fill(target.getCell(index + 1), value);
  });
  target.commit();
}

/** "Step limit passed · Task_Answer · due 2026-11-23 17:05 · fired 2026-11-23 17:05", in the reader's language and zone. */
function timerLine(timer: TicketTimer, input: TicketSheetInput): string {
  const { t } = input.formatter;
  const time = (ms: number) => excelTime(ms, input.zone)!.toISOString().slice(0, 16).replace('T', ' ');
  const outcome =
    timer.firedAt !== null
      ? t('reports.timer.fired', { time: time(timer.firedAt) })
      : timer.failedAt !== null
        ? t('reports.timer.failed', { time: time(timer.failedAt) })
        : timer.cancelledAt !== null
          ? t('reports.timer.cancelled', { time: time(timer.cancelledAt) })
          : t('reports.timer.pending');
  const kind = t(`reports.timerKinds.${timer.kind}`, { defaultValue: timer.kind });
  return [kind, timer.step, t('reports.timer.due', { time: time(timer.dueAt) }), outcome].filter(Boolean).join(' · ');
}

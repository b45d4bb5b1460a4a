import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import type { Reports } from '../../../../server/services/reports/reports.js';
import type { openTestSopflow } from '../../../helpers/sopflow.js';

type TestApp = Awaited<ReturnType<typeof openTestSopflow>>;

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const AGENT = 'li.na@agents.test';

/**
 * `count` customer inquiries on the app's manual clock, on three channels, every fourth a VIP: two in three are
 * answered by an agent 1 to 5 minutes after they arrive (their first response), the third is left waiting.
 */
export async function openInquiries(app: TestApp, count: number): Promise<number[]> {
  const channels = ['phone', 'chat', 'email'];
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const ticket = await app.tickets.create(
      { workflow: 'customer-inquiry', channel: channels[i % 3]!, subject: `inquiry ${i}`, customer: { name: `Customer ${i}` }, vip: i % 4 === 0 },
      'intake@sopflow.test',
    );
    app.clock.advance(((i % 5) + 1) * MINUTE);
    if (i % 3 !== 2) await app.tickets.advance(ticket.id, { type: 'answer' }, AGENT);
    ids.push(ticket.id);
  }
  return ids;
}

/** A stored report's workbook, downloaded whole and opened with exceljs. */
export async function downloaded(reports: Reports, id: number): Promise<ExcelJS.Workbook> {
  const output = new PassThrough();
  const chunks: Buffer[] = [];
  output.on('data', (chunk: Buffer) => chunks.push(chunk));
  await reports.download(id, output);
  return opened(Buffer.concat(chunks));
}

export async function opened(bytes: Buffer): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  return workbook;
}

/** A sheet's rows below its header, as arrays of cell values (1-based columns dropped to 0-based). */
export function rowsBelowHeader(sheet: ExcelJS.Worksheet, header = 1): unknown[][] {
  const rows: unknown[][] = [];
  sheet.eachRow((row, number) => {
    if (number > header) rows.push((row.values as unknown[]).slice(1));
  });
  return rows;
}

/** A duration cell as Excel stores it (a fraction of a day); exceljs reads a duration-formatted one back as a date of 1899-12-30. */
export function daysOf(value: unknown): number {
  return value instanceof Date ? (value.getTime() - Date.UTC(1899, 11, 30)) / DAY : Number(value);
}

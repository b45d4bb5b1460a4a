import type { EventLogWriter, LogTrace } from './event-log-traces.js';

export const CSV_HEADER = ['case_id', 'activity', 'timestamp', 'lifecycle', 'resource', 'sequence', 'channel', 'level', 'vip', 'workflow', 'version'] as const;

const QUOTE_NEEDED = /[",\r\n]/;
/** What a spreadsheet reads as the start of a formula (OWASP's list: tab and CR too). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV cell of text (RFC 4180): quoted when it holds a quote, comma or line break, quotes doubled. A cell
 * a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or CR first) gets a leading apostrophe:
 * Excel then shows it as text. Readers other than spreadsheets see the apostrophe.
 */
export function csvText(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return QUOTE_NEEDED.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** CSV with a UTF-8 byte-order mark (so Excel reads Chinese right), CRLF line ends, one row per event. */
export function csvWriter(): EventLogWriter {
  return {
    contentType: 'text/csv; charset=utf-8',
    extension: 'csv',
    head: () => `\uFEFF${CSV_HEADER.join(',')}\r\n`,
    trace(trace: LogTrace): string {
      // The case's own columns are the same on each of its rows: made once.
      const tail = `${csvText(trace.channel)},${trace.level === null ? '' : csvText(trace.level)},${trace.vip},${csvText(trace.workflow)},${trace.version}\r\n`;
      let out = '';
      for (const e of trace.events) {
        out += `${trace.caseId},${csvText(e.activity)},${new Date(e.timestamp).toISOString()},${e.lifecycle},${e.resource === null ? '' : csvText(e.resource)},${e.sequence},${tail}`;
      }
      return out;
    },
    tail: () => '',
  };
}

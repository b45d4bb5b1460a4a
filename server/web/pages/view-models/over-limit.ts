import type { Formatter } from '../../../shared/i18n.js';

/** A limit a request passed, as `TooLargeError` details carry it: the setting's name, its value, and where. */
export interface OverLimit {
  /** The setting (`WORKBOOK_MAX_ROWS`), or `body` for the request body's own cap. */
  limit: string;
  maximum: number;
  /** The sentence naming the limit and its maximum in the reader's language. */
  text: string;
  /** Where in an uploaded workbook, when known: the sheet, and the cell's column letters and row number. */
  sheet?: string;
  cell?: string;
  column?: string;
  row?: number;
}

const KIB = 1024;
const MIB = 1024 * 1024;

/** The maximum as people read it: a byte count also in KB or MB, a time in ms, memory in MB. */
function maximumText(limit: string, maximum: number, f: Formatter): string {
  const value = f.number(maximum, 'decimal');
  if (limit === 'body' || limit.endsWith('_BYTES')) {
    if (maximum < KIB) return f.t('errors.payload_too_large.units.bytes', { value });
    const [size, unit] = maximum >= MIB ? [maximum / MIB, 'MB'] : [maximum / KIB, 'KB'];
    return f.t('errors.payload_too_large.units.bytesSized', { value, size: f.number(size, 'decimal'), unit });
  }
  if (limit.endsWith('_MS')) return f.t('errors.payload_too_large.units.ms', { value });
  if (limit.endsWith('_MB')) return f.t('errors.payload_too_large.units.mb', { value });
  return value;
}

/**
 * The limit an error's `details` name (`{limit, maximum, sheet?, cell?}`, as the API answers 413), in the
 * reader's language; undefined when the details name none.
 */
export function overLimit(details: unknown, f: Formatter): OverLimit | undefined {
  if (!details || typeof details !== 'object' || Array.isArray(details)) return undefined;
  const { limit, maximum, sheet, cell } = details as Record<string, unknown>;
  if (typeof limit !== 'string' || typeof maximum !== 'number') return undefined;
  const where: { sheet?: string; cell?: string } =
    typeof sheet === 'string' && sheet !== '' ? { sheet, ...(typeof cell === 'string' && cell !== '' ? { cell } : {}) } : {};
  const key = where.cell ? 'limitAtCell' : where.sheet ? 'limitAtSheet' : 'limit';
  const text = f.t(`errors.payload_too_large.${key}`, { limit, maximum: maximumText(limit, maximum, f), ...where });
  const reference = where.cell ? /^([A-Za-z]+)(\d+)$/.exec(where.cell) : null;
  return { limit, maximum, text, ...where, ...(reference ? { column: reference[1]!.toUpperCase(), row: Number(reference[2]) } : {}) };
}

import { ValidationError, type FieldProblem } from '../../../shared/errors.js';
import { overChars } from '../../../shared/limits.js';
import type { MetricsQuery } from '../../../services/analytics/metrics-model.js';
import { CHANNELS } from '../../../services/tickets/channels.js';

/**
 * The analytics pages' filters, as a GET form and its query string: version, period (from and to, whole
 * days, both included), channel, level, VIP. Every link of a page (drill-downs, exports, the chart's points)
 * carries the same filters, so a number and the tickets behind it are counted over the same tickets.
 */
export interface AnalyticsFilter {
  version?: number;
  /** `YYYY-MM-DD`, both included. */
  from: string;
  to: string;
  channel?: string;
  level?: string;
  vip?: boolean;
}

/** The period shown when none is asked for: the last four weeks, today included. */
export const DEFAULT_PERIOD_DAYS = 28;
/** The longest period one page computes (about two years). */
export const MAX_PERIOD_DAYS = 750;
const DAY = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Days as the metric engine counts them: at a fixed offset from UTC (ANALYTICS_UTC_OFFSET, where its weeks
 * start), so a period of the pages and a week of the engine begin at the same instant.
 */
export interface AnalyticsDays {
  /** Midnight at the start of a `YYYY-MM-DD` day. */
  startOfDay(date: string): number;
  /** The `YYYY-MM-DD` of an instant. */
  dayOf(ms: number): string;
}

export function analyticsDays(utcOffsetMinutes: number): AnalyticsDays {
  const offset = utcOffsetMinutes * 60_000;
  return {
    startOfDay: (date) => {
      const [, y, m, d] = DATE.exec(date)!;
      return Date.UTC(Number(y), Number(m) - 1, Number(d)) - offset;
    },
    dayOf: (ms) => utcDay(ms + offset),
  };
}

function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `days` after `date` (negative: before), in calendar days. */
export function addDays(date: string, days: number): string {
  const [, y, m, d] = DATE.exec(date)!;
  return utcDay(Date.UTC(Number(y), Number(m) - 1, Number(d) + days));
}

/** Whole days from `from` to `to`, both included. */
function daysIn(from: string, to: string): number {
  const utc = analyticsDays(0);
  return Math.round((utc.startOfDay(to) - utc.startOfDay(from)) / DAY) + 1;
}

/**
 * Reads the filters of a page's query string; what is absent takes its default, what is malformed is
 * refused with a ValidationError naming the field. `side` prefixes the fields that differ between the two
 * sides of a comparison (`a.version`, `b.from`, …; channel, level and VIP are shared); `versions`, when
 * given, are the only versions there are.
 */
export function readFilter(
  query: Record<string, unknown>,
  now: number,
  days: AnalyticsDays,
  { side = '', defaults = {}, versions }: { side?: string; defaults?: Partial<AnalyticsFilter>; versions?: readonly number[] } = {},
): AnalyticsFilter {
  const sided = new Set(['version', 'from', 'to']);
  const problems: FieldProblem[] = [];
  const refuse = (field: string, message: string, code: string, values: Record<string, string | number> = {}) =>
    problems.push({ field: (sided.has(field) ? side : '') + field, message, code, values });
  const text = (name: string): string | undefined => {
    const value = query[(sided.has(name) ? side : '') + name];
    // `?channel=chat&channel=email` is not a filter of two channels: said, rather than one quietly dropped
    if (Array.isArray(value)) refuse(name, 'is given more than once', 'givenTwice');
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  };
  const date = (name: 'from' | 'to', fallback: string): string => {
    const value = text(name);
    if (value === undefined) return fallback;
    if (!DATE.test(value) || addDays(value, 0) !== value) refuse(name, 'must be a date YYYY-MM-DD', 'notADate', { value });
    return value;
  };

  const today = days.dayOf(now);
  const to = date('to', defaults.to ?? today);
  const from = date('from', defaults.from ?? addDays(DATE.test(to) ? to : today, 1 - DEFAULT_PERIOD_DAYS));
  const filter: AnalyticsFilter = { from, to };
  if (problems.length === 0) {
    const length = daysIn(from, to);
    if (length < 1) refuse('to', 'must not be before from', 'endsBeforeStart', { start: from, end: to });
    else if (length > MAX_PERIOD_DAYS) refuse('to', `the period may be at most ${MAX_PERIOD_DAYS} days long`, 'periodTooLong', { limit: MAX_PERIOD_DAYS });
  }
  const version = text('version') ?? (defaults.version === undefined ? undefined : String(defaults.version));
  if (version !== undefined) {
    if (/^[1-9]\d{0,8}$/.test(version) && (!versions || versions.includes(Number(version)))) filter.version = Number(version);
    else refuse('version', 'must be a version of the workflow', 'versionUnknown', { value: version });
  }
  const channel = text('channel');
  if (channel !== undefined) {
    if ((CHANNELS as readonly string[]).includes(channel)) filter.channel = channel;
    else refuse('channel', `must be one of ${CHANNELS.join(', ')}`, 'channelUnknown', { value: channel });
  }
  const level = text('level');
  if (level !== undefined) {
    if (!overChars(level, 32)) filter.level = level;
    else refuse('level', 'must be at most 32 characters', 'tooLong', { limit: 32 });
  }
  const vip = text('vip');
  if (vip === 'true' || vip === 'false') filter.vip = vip === 'true';
  else if (vip !== undefined) refuse('vip', 'must be true or false', 'vipUnknown', { value: vip });
  if (problems.length > 0) throw new ValidationError('the filters are not valid', problems);
  return filter;
}

/** The metric engine's question for these filters (on one workflow, or all): tickets created in [from, to + 1 day). */
export function metricsQuery(workflow: string | undefined, filter: AnalyticsFilter, days: AnalyticsDays): MetricsQuery {
  return {
    ...(workflow !== undefined ? { workflow } : {}),
    from: days.startOfDay(filter.from),
    to: days.startOfDay(addDays(filter.to, 1)),
    ...(filter.version !== undefined ? { version: filter.version } : {}),
    ...(filter.channel !== undefined ? { channel: filter.channel } : {}),
    ...(filter.level !== undefined ? { level: filter.level } : {}),
    ...(filter.vip !== undefined ? { vip: filter.vip } : {}),
  };
}

/** The period of the same length just before this one, same other filters: what a trend compares with. */
export function previousPeriod(filter: AnalyticsFilter): AnalyticsFilter {
  return { ...filter, from: addDays(filter.from, -daysIn(filter.from, filter.to)), to: addDays(filter.from, -1) };
}

/** The filters as query parameters (`side` prefixing version and period), in a fixed order: links built from them are stable. */
export function filterParams(filter: AnalyticsFilter, side = '', shared = true): Array<[string, string]> {
  const params: Array<[string, string]> = [];
  if (filter.version !== undefined) params.push([`${side}version`, String(filter.version)]);
  params.push([`${side}from`, filter.from], [`${side}to`, filter.to]);
  if (!shared) return params;
  if (filter.channel !== undefined) params.push(['channel', filter.channel]);
  if (filter.level !== undefined) params.push(['level', filter.level]);
  if (filter.vip !== undefined) params.push(['vip', String(filter.vip)]);
  return params;
}

/** A page's address with these filters and any other parameters: `href('/analytics/x/tickets', filter, { kpi: 'fcr' })`. */
export function href(path: string, filter: AnalyticsFilter, extra: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams(filterParams(filter));
  for (const [name, value] of Object.entries(extra)) if (value !== undefined) params.set(name, value);
  return `${path}?${params.toString()}`;
}

import { DateTime, Duration } from 'luxon';
import { overChars } from '../../shared/limits.js';
import type { TimerSpec } from '../workflow.js';

/**
 * ISO 8601 timer maths. Pure: every function takes the instant it counts from, as epoch milliseconds.
 */

const DURATION =
  /^P(?!$)(\d+(?:[.,]\d+)?Y)?(\d+(?:[.,]\d+)?M)?(\d+(?:[.,]\d+)?W)?(\d+(?:[.,]\d+)?D)?(T(?=\d)(\d+(?:[.,]\d+)?H)?(\d+(?:[.,]\d+)?M)?(\d+(?:[.,]\d+)?S)?)?$/;

export class TimerSyntaxError extends Error {}

/**
 * No timer expression a modeler writes is longer; a longer one is refused before any pattern looks at it, so
 * every regular expression here runs on at most this many characters (and none has nested quantifiers).
 */
export const MAX_TIMER_CHARS = 100;

/** The longest duration a timer, a limit or a pause may have: past it, dates leave what a database or a page can hold. */
export const MAX_DURATION_MS = 100 * 365.25 * 24 * 3_600_000;
/** The shortest interval of a repeating timer: a reminder every few milliseconds would flood notifications, not remind. */
export const MIN_CYCLE_MS = 60_000;

function bounded(value: string, what: string): string {
  if (overChars(value, MAX_TIMER_CHARS)) throw new TimerSyntaxError(`the ${what} is longer than ${MAX_TIMER_CHARS} characters`);
  return value.trim();
}

export function parseDuration(value: string): Duration {
  const trimmed = bounded(value, 'duration');
  if (!DURATION.test(trimmed)) throw new TimerSyntaxError(`"${value}" is not an ISO 8601 duration such as PT30M, PT2H or P2D`);
  const duration = Duration.fromISO(trimmed.replace(',', '.'));
  if (!duration.isValid) throw new TimerSyntaxError(`"${value}" is not a valid ISO 8601 duration`);
  if (!(duration.as('milliseconds') <= MAX_DURATION_MS)) throw new TimerSyntaxError(`"${value}" is longer than 100 years`);
  return duration;
}

/** A duration's length in milliseconds, months counted as 30 days: what an SLA needs. */
export function durationMs(value: string): number {
  return parseDuration(value).as('milliseconds');
}

export function parseDate(value: string): DateTime {
  bounded(value, 'date');
  const date = DateTime.fromISO(value.trim(), { zone: 'utc', setZone: true });
  if (!date.isValid || !/^\d{4}-\d{2}-\d{2}/.test(value.trim())) {
    throw new TimerSyntaxError(`"${value}" is not an ISO 8601 date-time such as 2026-12-01T09:00:00+08:00`);
  }
  return date;
}

export interface Cycle {
  /** Total occurrences; undefined repeats for as long as the scope is active. */
  repetitions?: number;
  start?: DateTime;
  interval: Duration;
}

export function parseCycle(value: string): Cycle {
  const trimmed = bounded(value, 'cycle');
  const parts = trimmed.split('/');
  if (looksLikeCron(trimmed)) {
    throw new TimerSyntaxError(`cron cycle "${value}" is not supported: use an ISO 8601 repeating interval such as R/PT4H or R3/PT10M`);
  }
  const repeat = /^R(\d*)$/.exec(parts[0] ?? '');
  if (!repeat || parts.length < 2 || parts.length > 3) {
    throw new TimerSyntaxError(`"${value}" is not an ISO 8601 repeating interval such as R/PT4H, R3/PT10M or R/2026-01-05T09:00:00Z/P1D`);
  }
  const cycle: Cycle = { interval: parseDuration(parts.length === 3 ? parts[2]! : parts[1]!) };
  if (repeat[1]) cycle.repetitions = Number(repeat[1]);
  if (parts.length === 3) cycle.start = parseDate(parts[1]!);
  if (cycle.interval.as('milliseconds') <= 0) throw new TimerSyntaxError(`the interval of cycle "${value}" must be longer than zero`);
  if (cycle.interval.as('milliseconds') < MIN_CYCLE_MS) throw new TimerSyntaxError(`the interval of cycle "${value}" must be at least one minute`);
  if (cycle.repetitions === 0) throw new TimerSyntaxError(`cycle "${value}" repeats zero times`);
  return cycle;
}

/** Five to seven fields separated by white space (Quartz or Unix cron), or a cron macro. */
function looksLikeCron(value: string): boolean {
  const fields = value.split(/\s+/).filter(Boolean).length;
  return (fields >= 5 && fields <= 7) || /^@(yearly|monthly|weekly|daily|hourly)/.test(value);
}

/** Checks a timer's expression; the message says what is wrong and what would be right. */
export function validateTimer(spec: TimerSpec): string | undefined {
  if (overChars(spec.value, MAX_TIMER_CHARS)) return `the timer's ${spec.type} is longer than ${MAX_TIMER_CHARS} characters`;
  if (/\$\{|#\{/.test(spec.value) || spec.value.startsWith('=')) {
    return `expression timer "${spec.value}" is not supported: use a fixed ISO 8601 ${spec.type}`;
  }
  try {
    if (spec.type === 'duration') parseDuration(spec.value);
    else if (spec.type === 'date') parseDate(spec.value);
    else parseCycle(spec.value);
    return undefined;
  } catch (error) {
    return error instanceof TimerSyntaxError ? error.message : String(error);
  }
}

export function addDuration(fromMs: number, value: string): number {
  return DateTime.fromMillis(fromMs, { zone: 'utc' }).plus(parseDuration(value)).toMillis();
}

/**
 * When a timer armed at `armedAt` fires for occurrence `n` (1-based), or undefined when a cycle has no
 * n-th occurrence. A cycle with a start date fires at start + k·interval, skipping occurrences already past.
 */
export function dueAt(spec: TimerSpec, armedAt: number, occurrence = 1): number | undefined {
  if (spec.type === 'duration') return occurrence === 1 ? addDuration(armedAt, spec.value) : undefined;
  if (spec.type === 'date') return occurrence === 1 ? parseDate(spec.value).toMillis() : undefined;
  const cycle = parseCycle(spec.value);
  if (cycle.repetitions !== undefined && occurrence > cycle.repetitions) return undefined;
  if (!cycle.start)
    return DateTime.fromMillis(armedAt, { zone: 'utc' })
      .plus(cycle.interval.mapUnits((x) => x * occurrence))
      .toMillis();
  return nthOccurrenceFrom(cycle, cycle.start, armedAt, occurrence);
}

function nthOccurrenceFrom(cycle: Cycle, start: DateTime, notBefore: number, occurrence: number): number | undefined {
  const intervalMs = cycle.interval.as('milliseconds');
  const fixedLength = cycle.interval.years === 0 && cycle.interval.months === 0;
  // Jump over past occurrences arithmetically, so a start date years ago does not loop for long.
  const skipped = fixedLength && start.toMillis() < notBefore ? Math.ceil((notBefore - start.toMillis()) / intervalMs) : 0;
  let index = skipped;
  let due = fixedLength ? start.plus({ milliseconds: skipped * intervalMs }) : start;
  let seen = 0;
  for (let guard = 0; guard < 100_000; guard++, index++, due = due.plus(cycle.interval)) {
    if (cycle.repetitions !== undefined && index >= cycle.repetitions) return undefined;
    if (due.toMillis() >= notBefore && ++seen === occurrence) return due.toMillis();
  }
  return undefined;
}

import { IANAZone } from 'luxon';
import { ValidationError, type FieldProblem } from '../../shared/errors.js';

/**
 * Business calendars: service limits counted in working time. Pure: no I/O, no clock; every function
 * takes instants as epoch milliseconds. Working periods are local wall-clock times in the calendar's
 * time zone, so a 09:00–17:00 day stays 8 working hours across a DST switch.
 */

export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;
/** A working period in local wall-clock time, 'HH:mm' to 'HH:mm' ('24:00' ends at midnight). */
export type Period = [string, string];

export interface BusinessCalendar {
  name: string;
  /** IANA, e.g. 'Asia/Shanghai'. */
  timeZone: string;
  /** Working periods per ISO weekday 1=Mon..7=Sun; a missing day is closed. */
  week: Partial<Record<Weekday, Period[]>>;
  /** Whole-day closures, local dates 'YYYY-MM-DD'. */
  holidays?: string[];
  /** Extra working days (China's 调休 make-up workdays on a weekend), with their periods. */
  workdays?: Record<string, Period[]>;
}

const ALL_DAY: Period[] = [['00:00', '24:00']];

/** 24×7: every millisecond counts. The default when a step names no calendar. */
export const ALWAYS_OPEN: BusinessCalendar = {
  name: '24x7',
  timeZone: 'UTC',
  week: { 1: ALL_DAY, 2: ALL_DAY, 3: ALL_DAY, 4: ALL_DAY, 5: ALL_DAY, 6: ALL_DAY, 7: ALL_DAY },
};

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const TIME = /^(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

// ---------------------------------------------------------------------------------------------
// Validation

/**
 * Checks a calendar read from JSON and returns it with each day's periods in order. Throws a
 * `ValidationError` whose problems name every offending field, e.g. `week.1[0]`.
 *
 * @example
 * parseCalendar({ name: 'office', timeZone: 'Europe/Berlin', week: { 1: [['09:00', '17:00']] } });
 */
export function parseCalendar(json: unknown): BusinessCalendar {
  const problems: FieldProblem[] = [];
  const report = (field: string, message: string) => problems.push({ field, message: `${field}: ${message}` });
  if (!isRecord(json)) throw new ValidationError('a business calendar must be an object', [{ field: '', message: 'a business calendar must be an object' }]);

  const { name, timeZone } = json;
  if (typeof name !== 'string' || !name.trim()) report('name', 'is required');
  if (typeof timeZone !== 'string' || !IANAZone.isValidZone(timeZone))
    report('timeZone', `${JSON.stringify(timeZone)} is not an IANA time zone such as Asia/Shanghai`);

  const week: Partial<Record<Weekday, Period[]>> = {};
  let weeklyMinutes = 0;
  if (!isRecord(json.week)) report('week', 'must map ISO weekdays 1 (Monday) to 7 (Sunday) to working periods');
  else {
    for (const [key, value] of Object.entries(json.week)) {
      if (!/^[1-7]$/.test(key)) {
        report(`week.${key}`, 'is not an ISO weekday 1 (Monday) to 7 (Sunday)');
        continue;
      }
      const periods = readPeriods(`week.${key}`, value, report);
      week[Number(key) as Weekday] = periods.map((p) => p.text);
      weeklyMinutes += periods.reduce((sum, p) => sum + p.end - p.start, 0);
    }
    // NOTE: the guard against counting forever: without weekly working time a long limit never ends.
    if (weeklyMinutes === 0 && problems.length === 0) report('week', 'has no working time: the calendar would never open');
  }

  const calendar: BusinessCalendar = { name: String(name), timeZone: String(timeZone), week };
  if (json.holidays !== undefined) {
    if (!Array.isArray(json.holidays)) report('holidays', 'must be a list of dates YYYY-MM-DD');
    else {
      json.holidays.forEach((date, i) => {
        if (dayNumber(date) === undefined) report(`holidays[${i}]`, `${JSON.stringify(date)} is not a date YYYY-MM-DD`);
      });
      calendar.holidays = json.holidays.map(String);
    }
  }
  if (json.workdays !== undefined) {
    if (!isRecord(json.workdays)) report('workdays', 'must map dates YYYY-MM-DD to working periods');
    else {
      calendar.workdays = {};
      for (const [date, value] of Object.entries(json.workdays)) {
        const field = `workdays.${date}`;
        if (dayNumber(date) === undefined) report(field, `"${date}" is not a date YYYY-MM-DD`);
        if (calendar.holidays?.includes(date)) report(field, 'is also listed in holidays');
        const periods = readPeriods(field, value, report);
        if (Array.isArray(value) && value.length === 0) report(field, 'has no working periods: list the date in holidays instead');
        calendar.workdays[date] = periods.map((p) => p.text);
      }
    }
  }
  if (problems.length) {
    throw new ValidationError(`business calendar ${JSON.stringify(name)} is not valid: ${problems.map((p) => p.message).join('; ')}`, problems);
  }
  return calendar;
}

interface ParsedPeriod {
  text: Period;
  start: number;
  end: number;
  index: number;
}

/** Reads a day's periods, reporting bad times, reversed and overlapping periods; returns them sorted. */
function readPeriods(field: string, value: unknown, report: (field: string, message: string) => void): ParsedPeriod[] {
  if (!Array.isArray(value)) {
    report(field, `must be a list of periods such as [["09:00", "12:00"], ["13:30", "18:00"]]`);
    return [];
  }
  const periods: ParsedPeriod[] = [];
  value.forEach((entry: unknown, index) => {
    const at = `${field}[${index}]`;
    if (!Array.isArray(entry) || entry.length !== 2) return report(at, 'must be a period ["HH:mm", "HH:mm"]');
    const [from, to] = entry.map((time: unknown) => {
      const minutes = minutesOf(time);
      if (minutes === undefined) report(at, `${JSON.stringify(time)} is not a time HH:mm`);
      return minutes;
    });
    if (from === undefined || to === undefined) return;
    if (to <= from) return report(at, `ends at ${String(entry[1])}, not after it starts at ${String(entry[0])}`);
    periods.push({ text: [String(entry[0]), String(entry[1])], start: from, end: to, index });
  });
  periods.sort((a, b) => a.start - b.start);
  for (let i = 1; i < periods.length; i++) {
    const [before, after] = [periods[i - 1]!, periods[i]!];
    if (after.start < before.end) report(`${field}[${after.index}]`, `overlaps ${field}[${before.index}]`);
  }
  return periods;
}

function minutesOf(time: unknown): number | undefined {
  const match = typeof time === 'string' ? TIME.exec(time) : null;
  if (!match) return undefined;
  return Number(match[1] ?? match[3]) * 60 + Number(match[2] ?? match[4]);
}

/** Days since 1970-01-01 of a local date 'YYYY-MM-DD', or undefined when it is no real date. */
function dayNumber(date: unknown): number | undefined {
  const match = typeof date === 'string' ? DATE.exec(date) : null;
  if (!match) return undefined;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return new Date(ms).toISOString().startsWith(date as string) ? ms / DAY : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------
// Compiled form: minutes per local day number, so the maths needs no date objects.

interface Compiled {
  zone: IANAZone;
  /** Index 1..7: working minutes [start, end) per ISO weekday. */
  week: Array<Array<[number, number]>>;
  /** Local day number → that day's periods; [] for a holiday. */
  exceptions: Map<number, Array<[number, number]>>;
  exceptionDays: number[];
  weeklyMs: number;
  alwaysOpen: boolean;
}

// NOTE: calendars are treated as immutable values, compiled (and validated) once per object.
const compiledCache = new WeakMap<BusinessCalendar, Compiled>();

function compile(calendar: BusinessCalendar): Compiled {
  let compiled = compiledCache.get(calendar);
  if (compiled) return compiled;
  const valid = parseCalendar(calendar);
  const minutes = (periods: Period[] = []) => periods.map(([from, to]) => [minutesOf(from)!, minutesOf(to)!] as [number, number]);
  const week = [[], ...([1, 2, 3, 4, 5, 6, 7] as const).map((day) => minutes(valid.week[day]))];
  const exceptions = new Map<number, Array<[number, number]>>();
  for (const date of valid.holidays ?? []) exceptions.set(dayNumber(date)!, []);
  for (const [date, periods] of Object.entries(valid.workdays ?? {})) exceptions.set(dayNumber(date)!, minutes(periods));
  const weeklyMs = week.flat().reduce((sum, [from, to]) => sum + (to - from) * MIN, 0);
  compiled = {
    zone: IANAZone.create(valid.timeZone),
    week,
    exceptions,
    exceptionDays: [...exceptions.keys()].sort((a, b) => a - b),
    weeklyMs,
    alwaysOpen: weeklyMs === 7 * DAY && exceptions.size === 0,
  };
  compiledCache.set(calendar, compiled);
  return compiled;
}

/** The local day number (days since 1970-01-01 on the calendar's wall clock) an instant falls on. */
function localDay(c: Compiled, ms: number): number {
  return Math.floor((ms + c.zone.offset(ms) * MIN) / DAY);
}

function weekdayOf(day: number): Weekday {
  return ((((day % 7) + 7 + 3) % 7) + 1) as Weekday; // day 0, 1970-01-01, was a Thursday
}

/**
 * The instant a local wall-clock time (as if it were UTC) happens. Deterministic at DST switches: a time
 * repeated by the fall-back counts at its first occurrence; a time skipped by the spring-forward counts
 * with the offset before the jump, so 02:30 becomes 03:30 (as luxon does).
 */
function instantOf(c: Compiled, wall: number): number {
  // The true instant lies within ±14 h of `wall`; offsets either side of that window cover any switch in it.
  const before = c.zone.offset(wall - 15 * HOUR) * MIN;
  const after = c.zone.offset(wall + 15 * HOUR) * MIN;
  const early = wall - before;
  const late = wall - after;
  const earlyHolds = c.zone.offset(early) * MIN === before;
  const lateHolds = c.zone.offset(late) * MIN === after;
  if (earlyHolds && lateHolds) return Math.min(early, late);
  return lateHolds && !earlyHolds ? late : early;
}

/**
 * Turns minutes of a local day into instants. One offset serves the whole day unless it changes in the
 * window the day's instants can fall in (±15 h around it), which saves the slow offset look-ups.
 */
function wallClock(c: Compiled, day: number): (minutes: number) => number {
  const midnight = day * DAY;
  const offset = c.zone.offset(midnight - 15 * HOUR);
  if (offset === c.zone.offset(midnight + DAY + 15 * HOUR)) return (minutes) => midnight + minutes * MIN - offset * MIN;
  return (minutes) => instantOf(c, midnight + minutes * MIN);
}

/** A day's working intervals as instants [open, close), in order. */
function intervals(c: Compiled, day: number): Array<[number, number]> {
  const periods = c.exceptions.get(day) ?? c.week[weekdayOf(day)]!;
  if (periods.length === 0) return [];
  const at = wallClock(c, day);
  return periods.map(([from, to]) => [at(from), at(to)] as [number, number]).filter(([open, close]) => close > open);
}

/**
 * True when the 7 days from `day` hold exactly the nominal weekly working time: no holiday or make-up
 * day among them and no UTC-offset change (any 7 consecutive days hold each weekday once).
 */
function isPlainWeek(c: Compiled, day: number): boolean {
  const next = c.exceptionDays.find((d) => d >= day);
  if (next !== undefined && next < day + 7) return false;
  return c.zone.offset(day * DAY - 15 * HOUR) === c.zone.offset((day + 7) * DAY + 15 * HOUR);
}

function checkInstant(name: string, value: number): void {
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be a finite number of milliseconds, got ${value}`);
}

// ---------------------------------------------------------------------------------------------
// Timer maths

/**
 * The instant when `durationMs` of working time has passed after `startMs`. Outside working time the
 * count starts at the next opening; a zero duration gives `startMs` when open, else the next opening.
 * Whole weeks without exceptions are skipped arithmetically, so long limits cost O(weeks + exception days).
 *
 * @example
 * // Friday 17:00 in Shanghai + 2 working hours → Monday 10:00 (cn-workdays closes at 18:00)
 * addBusinessTime(BUILT_IN_CALENDARS['cn-workdays'], Date.parse('2026-01-09T17:00:00+08:00'), 2 * 3_600_000);
 */
export function addBusinessTime(calendar: BusinessCalendar, startMs: number, durationMs: number): number {
  checkInstant('startMs', startMs);
  checkInstant('durationMs', durationMs);
  if (durationMs < 0) throw new RangeError(`durationMs must not be negative, got ${durationMs}`);
  const c = compile(calendar);
  if (c.alwaysOpen) return startMs + durationMs;
  let remaining = durationMs;
  const first = localDay(c, startMs);
  // Terminates: parseCalendar guarantees working time every week, and exceptions are finitely many.
  for (let day = first; ; day++) {
    if (day !== first && remaining > c.weeklyMs && isPlainWeek(c, day)) {
      remaining -= c.weeklyMs;
      day += 6;
      continue;
    }
    for (const [open, close] of intervals(c, day)) {
      if (close <= startMs) continue;
      const from = Math.max(open, startMs);
      if (remaining <= close - from) return from + remaining;
      remaining -= close - from;
    }
  }
}

/**
 * Working milliseconds in [fromMs, toMs); 0 when `toMs` is not after `fromMs`.
 *
 * @example
 * businessTimeBetween(calendar, ticket.enteredAt, now); // time used of a step's limit
 */
export function businessTimeBetween(calendar: BusinessCalendar, fromMs: number, toMs: number): number {
  checkInstant('fromMs', fromMs);
  checkInstant('toMs', toMs);
  if (toMs <= fromMs) return 0;
  const c = compile(calendar);
  if (c.alwaysOpen) return toMs - fromMs;
  let total = 0;
  const [first, last] = [localDay(c, fromMs), localDay(c, toMs)];
  for (let day = first; day <= last; day++) {
    if (day !== first && day + 7 <= last && isPlainWeek(c, day)) {
      total += c.weeklyMs;
      day += 6;
      continue;
    }
    for (const [open, close] of intervals(c, day)) {
      total += Math.max(0, Math.min(close, toMs) - Math.max(open, fromMs));
    }
  }
  return total;
}

/** Whether `atMs` is working time (periods are half-open: open at opening, closed at closing). */
export function isOpen(calendar: BusinessCalendar, atMs: number): boolean {
  checkInstant('atMs', atMs);
  const c = compile(calendar);
  return c.alwaysOpen || intervals(c, localDay(c, atMs)).some(([open, close]) => open <= atMs && atMs < close);
}

/**
 * The engine's one view of time: limits added and time used counted on a named calendar. Both count from
 * the same calendar so a limit re-armed from "time left" lands where the original deadline did.
 */
export interface BusinessTime {
  /** The instant `durationMs` of working time after `startMs`. */
  add(startMs: number, durationMs: number, calendar?: string): number;
  /** Working milliseconds in [fromMs, toMs); 0 when `toMs` is not after `fromMs`. */
  between(fromMs: number, toMs: number, calendar?: string): number;
}

/** Every hour counts: the engine's default when no calendars are configured. */
export const WALL_CLOCK: BusinessTime = {
  add: (startMs, durationMs) => startMs + durationMs,
  between: (fromMs, toMs) => Math.max(0, toMs - fromMs),
};

/**
 * Business time on the given calendars, by name. An unknown or absent name counts 24×7.
 * Every calendar is validated here, so a bad one fails at start-up rather than when a timer is armed.
 *
 * @example
 * startTicket(workflow, moment, input, { businessTime: createBusinessTime(BUILT_IN_CALENDARS) });
 */
export function createBusinessTime(calendars: Record<string, BusinessCalendar>): BusinessTime {
  for (const calendar of Object.values(calendars)) compile(calendar);
  const named = (name: string | undefined) => (name !== undefined && Object.hasOwn(calendars, name) ? calendars[name]! : ALWAYS_OPEN);
  return {
    add: (startMs, durationMs, name) => addBusinessTime(named(name), startMs, durationMs),
    between: (fromMs, toMs, name) => businessTimeBetween(named(name), fromMs, toMs),
  };
}

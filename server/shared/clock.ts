import { DateTime } from 'luxon';

/** Where "now" comes from. Services take a clock so tests and the demo can run weeks in seconds. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * The calendar date (`YYYY-MM-DD`) of an instant in `timeZone` (REPORT_TIME_ZONE, where the pages and workbooks
 * show times; absent: the server's `TZ`): what "today" and "overdue" mean on a plan.
 */
export function localDate(ms: number, timeZone?: string): string {
  return DateTime.fromMillis(ms, timeZone ? { zone: timeZone } : {}).toISODate()!;
}

/** A clock that moves only when told to. */
export class ManualClock implements Clock {
  constructor(private current: number) {}

  now(): number {
    return this.current;
  }

  set(ms: number): void {
    this.current = ms;
  }

  advance(ms: number): void {
    this.current += ms;
  }
}

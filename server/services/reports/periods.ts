import { DateTime } from 'luxon';
import type { ReportFrequency, ReportPeriod } from '../../data/reports/model.js';

// A report covers one calendar day, ISO week (Monday to Monday) or month in its subscription's time zone:
// boundaries are local midnights, so a day across a daylight-saving change is 23 or 25 hours long.

const UNIT = { daily: 'day', weekly: 'week', monthly: 'month' } as const;
const LABEL = { daily: 'yyyy-MM-dd', weekly: "kkkk-'W'WW", monthly: 'yyyy-MM' } as const;

function periodOf(start: DateTime, frequency: ReportFrequency): ReportPeriod {
  return { from: start.toMillis(), to: start.plus({ [`${UNIT[frequency]}s`]: 1 }).toMillis(), label: start.toFormat(LABEL[frequency]) };
}

/** The day, week or month holding the instant `ms`, in `zone`. */
export function periodContaining(frequency: ReportFrequency, ms: number, zone: string): ReportPeriod {
  return periodOf(DateTime.fromMillis(ms, { zone }).startOf(UNIT[frequency], { useLocaleWeeks: false }), frequency);
}

/** The period just before `period`. */
export function periodBefore(frequency: ReportFrequency, period: ReportPeriod, zone: string): ReportPeriod {
  return periodContaining(frequency, period.from - 1, zone);
}

/**
 * What a run at `now` reports, and when the subscription is due next: the latest period complete at `now`,
 * and the end of the period now running. A run after downtime reports only the latest complete period, once;
 * the periods missed meanwhile are not made up, one after another.
 */
export function runAt(frequency: ReportFrequency, now: number, zone: string): { period: ReportPeriod; nextRunAt: number } {
  const current = periodContaining(frequency, now, zone);
  return { period: periodBefore(frequency, current, zone), nextRunAt: current.to };
}

/** When a new subscription is first due: the end of the period running at `now` (its report covers that period). */
export function firstRunAt(frequency: ReportFrequency, now: number, zone: string): number {
  return periodContaining(frequency, now, zone).to;
}

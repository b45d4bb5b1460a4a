import { IANAZone } from 'luxon';
import { AppError } from './errors.js';
import { wholeNumberSetting } from './limits.js';

/** Scheduled reports and KPI targets (issue 15): each a setting (environment variable in brackets). */
export interface ReportSettings {
  /** [REPORT_TIME_ZONE] the IANA zone a new subscription's days, weeks and months are counted in. */
  timeZone: string;
  /** [REPORT_RETENTION_DAYS] a generated report is deleted this many days after it was made. */
  retentionDays: number;
  /** [REPORT_SCHEDULER_INTERVAL_MS] the longest the report runner sleeps between looks at the schedule. */
  intervalMs: number;
  /** [REPORT_LEASE_MS] a run's claim on a subscription; renewed while it writes, taken over by another process once it lapses. */
  leaseMs: number;
  /** [KPI_TARGET_WINDOW_DAYS] an execution-table KPI target is measured over the tickets created in this many days up to now. */
  kpiWindowDays: number;
}

export const DEFAULT_REPORT_SETTINGS: Readonly<ReportSettings> = Object.freeze({
  timeZone: 'Asia/Shanghai',
  retentionDays: 90,
  intervalMs: 60_000,
  leaseMs: 5 * 60_000,
  kpiWindowDays: 28,
});

export function isTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

export function reportSettingsFrom(env: NodeJS.ProcessEnv): ReportSettings {
  const timeZone = env.REPORT_TIME_ZONE ?? DEFAULT_REPORT_SETTINGS.timeZone;
  if (!isTimeZone(timeZone)) throw new AppError('bad_request', `REPORT_TIME_ZONE must be an IANA time zone such as Asia/Shanghai, not "${timeZone}"`);
  return {
    timeZone,
    retentionDays: wholeNumberSetting(env, 'REPORT_RETENTION_DAYS', { most: 36_500 }) ?? DEFAULT_REPORT_SETTINGS.retentionDays,
    intervalMs: wholeNumberSetting(env, 'REPORT_SCHEDULER_INTERVAL_MS', { least: 10, most: 3_600_000 }) ?? DEFAULT_REPORT_SETTINGS.intervalMs,
    // A lease shorter than a few seconds would lapse between renewals of a busy process.
    leaseMs: wholeNumberSetting(env, 'REPORT_LEASE_MS', { least: 5_000, most: 86_400_000 }) ?? DEFAULT_REPORT_SETTINGS.leaseMs,
    kpiWindowDays: wholeNumberSetting(env, 'KPI_TARGET_WINDOW_DAYS', { most: 3_660 }) ?? DEFAULT_REPORT_SETTINGS.kpiWindowDays,
  };
}

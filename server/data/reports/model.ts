import type { Locale } from '../../shared/i18n.js';

/** The shapes of scheduled reports, as stored; the rules over them are the service's (`server/services/reports/`). */

export const REPORT_FREQUENCIES = ['daily', 'weekly', 'monthly'] as const;
export type ReportFrequency = (typeof REPORT_FREQUENCIES)[number];

/** A manager's standing order for a report of one workflow (or all: `workflow` null) every day, week or month. */
export interface Subscription {
  id: number;
  owner: string;
  workflow: string | null;
  frequency: ReportFrequency;
  /** IANA zone the periods are counted in. */
  timeZone: string;
  locale: Locale;
  /** Epoch ms: when the next report falls due (the end of the period it covers). */
  nextRunAt: number;
  createdAt: number;
}

export type NewSubscription = Omit<Subscription, 'id'>;

/** A subscription a run has claimed: `token` names the claim in every later write. */
export interface ClaimedSubscription extends Subscription {
  token: string;
}

/** The tickets a report counts: created in [from, to), epoch ms; `label` as people name it (2026-11-23, 2026-W48, 2026-11). */
export interface ReportPeriod {
  from: number;
  to: number;
  label: string;
}

/** A complete report, its workbook stored in chunks. */
export interface StoredReport {
  id: number;
  /** null once its subscription was deleted. */
  subscriptionId: number | null;
  owner: string;
  workflow: string | null;
  frequency: ReportFrequency;
  timeZone: string;
  locale: Locale;
  period: ReportPeriod;
  tickets: number;
  sizeBytes: number;
  createdAt: number;
  completedAt: number;
}

/** A run's report while it writes: what is stored before the workbook. */
export interface ReportStart {
  subscription: ClaimedSubscription;
  period: ReportPeriod;
  createdAt: number;
}

/** What completes a run, in one transaction: the report made ready, the subscription due next at `nextRunAt`. */
export interface ReportFinish {
  reportId: number;
  subscription: ClaimedSubscription;
  nextRunAt: number;
  tickets: number;
  sizeBytes: number;
  completedAt: number;
}

/** One timer of a ticket, for the per-ticket rows: kind, step, when due, and what became of it. */
export interface TicketTimer {
  kind: string;
  step: string | null;
  dueAt: number;
  firedAt: number | null;
  cancelledAt: number | null;
  failedAt: number | null;
}

import type { KpiId, KpiUnit } from '../../../services/analytics/definitions.js';
import type { DrillKpi, Kpis } from '../../../services/analytics/metrics-model.js';
import type { Formatter } from '../../../shared/i18n.js';

/**
 * How many tickets each drill-down lists, as the figures count them: a number on a page links to a
 * drill-down only when it is exactly that drill-down's count, so the list behind a number is as long as the
 * number says. Rates count back to the whole tickets they were made of.
 */
export const DRILL_COUNTS: Record<DrillKpi, (k: Kpis) => number> = {
  tickets: (k) => k.tickets,
  open: (k) => k.open,
  closed: (k) => k.closed,
  firstResponse: (k) => k.firstResponseMs.n,
  fcr: (k) => counted(k.fcr.rate, k.fcr.n),
  fcrCounted: (k) => k.fcr.n,
  abandoned: (k) => counted(k.abandonment.rate, k.abandonment.n),
  breached: (k) => k.breaches,
  resolutionBreached: (k) => k.slaCompliance.ticketN - counted(k.slaCompliance.ticket, k.slaCompliance.ticketN),
  warned: (k) => k.warnings,
  reopened: (k) => counted(k.reopenRate, k.closed),
  complaint: (k) => counted(k.complaintRate, k.tickets),
  csat: (k) => k.csat.n,
  escalated: (k) => k.escalations,
};

function counted(rate: number | null, n: number): number {
  return rate === null ? 0 : Math.round(rate * n);
}

/** A count of tickets beside a figure ("41 of 50"), linking to its drill-down when it has one. */
export interface FigureCount {
  count: number;
  drill?: DrillKpi;
}

/** One figure the pages show: a KPI of the definitions, read out of the engine's `Kpis`. */
export interface FigureSpec {
  id: KpiId;
  value(kpis: Kpis): number | null;
  /** The tickets the figure counts, for a count of tickets. */
  drill?: DrillKpi;
  /** For a rate or an average: the tickets it counts, of how many, and what they are (`analytics.counts.<phrase>`). */
  counts?(kpis: Kpis): { part: FigureCount; whole?: FigureCount; phrase: string };
  chart: 'bar' | 'line';
}

/** The figures of a dashboard, in the order of its tiles and charts (step durations are the heatmap's). */
export const FIGURES: readonly FigureSpec[] = [
  { id: 'tickets', value: (k) => k.tickets, drill: 'tickets', counts: (k) => ({ part: { count: k.open, drill: 'open' }, phrase: 'open' }), chart: 'bar' },
  {
    id: 'firstResponse',
    value: (k) => k.firstResponseMs.p50,
    counts: (k) => ({ part: { count: k.firstResponseMs.n, drill: 'firstResponse' }, whole: { count: k.tickets, drill: 'tickets' }, phrase: 'answered' }),
    chart: 'line',
  },
  { id: 'aht', value: (k) => k.ahtMs.mean, counts: (k) => ({ part: { count: k.ahtMs.n, drill: 'closed' }, phrase: 'measured' }), chart: 'line' },
  {
    id: 'resolution',
    value: (k) => k.resolutionMs.p50,
    counts: (k) => ({ part: { count: k.resolutionMs.n, drill: 'closed' }, whole: { count: k.tickets, drill: 'tickets' }, phrase: 'closed' }),
    chart: 'line',
  },
  {
    id: 'waitingOnCustomer',
    value: (k) => k.waitingOnCustomerMs.mean,
    counts: (k) => ({ part: { count: k.waitingOnCustomerMs.n, drill: 'closed' }, phrase: 'measured' }),
    chart: 'line',
  },
  {
    id: 'fcr',
    value: (k) => k.fcr.rate,
    counts: (k) => ({ part: { count: counted(k.fcr.rate, k.fcr.n), drill: 'fcr' }, whole: { count: k.fcr.n, drill: 'fcrCounted' }, phrase: 'firstContact' }),
    chart: 'line',
  },
  {
    id: 'abandonment',
    value: (k) => k.abandonment.rate,
    counts: (k) => ({
      part: { count: counted(k.abandonment.rate, k.abandonment.n), drill: 'abandoned' },
      whole: { count: k.abandonment.n },
      phrase: 'abandoned',
    }),
    chart: 'line',
  },
  {
    id: 'slaTicket',
    value: (k) => k.slaCompliance.ticket,
    // The tickets that breached are what the share leaves out: those are the ones to look at.
    counts: (k) => ({
      part: { count: k.slaCompliance.ticketN - counted(k.slaCompliance.ticket, k.slaCompliance.ticketN), drill: 'resolutionBreached' },
      whole: { count: k.slaCompliance.ticketN },
      phrase: 'breachedLimit',
    }),
    chart: 'line',
  },
  {
    id: 'slaStep',
    value: (k) => k.slaCompliance.step,
    counts: (k) => ({
      part: { count: k.slaCompliance.stepN - counted(k.slaCompliance.step, k.slaCompliance.stepN) },
      whole: { count: k.slaCompliance.stepN },
      phrase: 'visitsBreached',
    }),
    chart: 'line',
  },
  { id: 'warnings', value: (k) => k.warnings, drill: 'warned', chart: 'bar' },
  { id: 'breaches', value: (k) => k.breaches, drill: 'breached', chart: 'bar' },
  { id: 'escalations', value: (k) => k.escalations, drill: 'escalated', chart: 'bar' },
  {
    id: 'reopenRate',
    value: (k) => k.reopenRate,
    counts: (k) => ({ part: { count: counted(k.reopenRate, k.closed), drill: 'reopened' }, whole: { count: k.closed, drill: 'closed' }, phrase: 'reopened' }),
    chart: 'line',
  },
  {
    id: 'complaintRate',
    value: (k) => k.complaintRate,
    counts: (k) => ({
      part: { count: counted(k.complaintRate, k.tickets), drill: 'complaint' },
      whole: { count: k.tickets, drill: 'tickets' },
      phrase: 'complaints',
    }),
    chart: 'line',
  },
  { id: 'csat', value: (k) => k.csat.mean, counts: (k) => ({ part: { count: k.csat.n, drill: 'csat' }, phrase: 'rated' }), chart: 'line' },
  {
    id: 'csatSatisfied',
    value: (k) => k.csat.satisfiedShare,
    counts: (k) => ({ part: { count: counted(k.csat.satisfiedShare, k.csat.n) }, whole: { count: k.csat.n, drill: 'csat' }, phrase: 'satisfied' }),
    chart: 'line',
  },
];

export function figureOf(id: KpiId): FigureSpec {
  const figure = FIGURES.find((spec) => spec.id === id);
  if (!figure) throw new Error(`no figure ${id}`);
  return figure;
}

/** The drill-down a count links to: its own, when the count is exactly what that drill-down lists. */
export function drillOf(count: FigureCount, kpis: Kpis): DrillKpi | undefined {
  return count.drill !== undefined && DRILL_COUNTS[count.drill](kpis) === count.count ? count.drill : undefined;
}

/** A figure's value as people read it, in their language; a dash where there is nothing to measure. */
export function formatFigure(unit: KpiUnit, value: number | null, f: Formatter): string {
  if (value === null || !Number.isFinite(value)) return '—';
  switch (unit) {
    case 'count':
      return f.number(value, 'decimal');
    case 'ms':
      return f.duration(value);
    case 'rate':
      return f.number(value, 'percent');
    case 'score':
      return f.number(value, 'score');
  }
}

/** A difference between two values of a figure in its own unit, signed: "+3.2 pt" for rates, "−4 min" for durations. */
export function formatChange(unit: KpiUnit, change: number, f: Formatter): string {
  const sign = change > 0 ? '+' : change < 0 ? '−' : '±';
  const size = unit === 'rate' ? f.t('analytics.points', { value: f.number(Math.abs(change) * 100, 'decimal') }) : formatFigure(unit, Math.abs(change), f);
  return `${sign}${size}`;
}

/**
 * How a figure moved from `before` to `now`: the change in its unit and whether that is the better direction
 * (neutral for figures that are neither better nor worse higher). Null when either side has nothing to measure.
 */
export function trendOf(
  unit: KpiUnit,
  now: number | null,
  before: number | null,
  higherIsBetter: boolean | null,
  f: Formatter,
): { text: string; direction: 'up' | 'down' | 'same'; judgement: 'better' | 'worse' | 'neutral' } | null {
  if (now === null || before === null) return null;
  const change = now - before;
  const direction = Math.abs(change) < 1e-9 ? 'same' : change > 0 ? 'up' : 'down';
  const judgement = direction === 'same' || higherIsBetter === null ? 'neutral' : (direction === 'up') === higherIsBetter ? 'better' : 'worse';
  return { text: direction === 'same' ? f.t('analytics.noChange') : formatChange(unit, change, f), direction, judgement };
}

import type { Kpis } from '../analytics/metrics-model.js';

/** How a figure is shown: a duration (ms), a share (0–1), a count, or a 1–5 score. */
export type FigureKind = 'duration' | 'share' | 'count' | 'score';

/** One number of the dashboard: which, its value (null where nothing was measured) and how many it counts. */
export interface KpiFigure {
  id: string;
  value: number | null;
  kind: FigureKind;
  n: number | null;
}

/** The dashboard's figures of a `Kpis`, in the dashboard's order: what a report's KPI sheet lists. */
export function kpiFigures(kpis: Kpis): KpiFigure[] {
  const f = (id: string, value: number | null, kind: FigureKind, n: number | null = null): KpiFigure => ({ id, value, kind, n });
  return [
    f('tickets', kpis.tickets, 'count'),
    f('open', kpis.open, 'count'),
    f('closed', kpis.closed, 'count'),
    f('firstResponseMean', kpis.firstResponseMs.mean, 'duration', kpis.firstResponseMs.n),
    f('firstResponseP50', kpis.firstResponseMs.p50, 'duration', kpis.firstResponseMs.n),
    f('firstResponseP90', kpis.firstResponseMs.p90, 'duration', kpis.firstResponseMs.n),
    f('aht', kpis.ahtMs.mean, 'duration', kpis.ahtMs.n),
    f('resolutionMean', kpis.resolutionMs.mean, 'duration', kpis.resolutionMs.n),
    f('resolutionP50', kpis.resolutionMs.p50, 'duration', kpis.resolutionMs.n),
    f('resolutionP90', kpis.resolutionMs.p90, 'duration', kpis.resolutionMs.n),
    f('waitingOnCustomer', kpis.waitingOnCustomerMs.mean, 'duration', kpis.waitingOnCustomerMs.n),
    f('fcr', kpis.fcr.rate, 'share', kpis.fcr.n),
    f('abandonment', kpis.abandonment.rate, 'share', kpis.abandonment.n),
    f('slaTicket', kpis.slaCompliance.ticket, 'share', kpis.slaCompliance.ticketN),
    f('slaStep', kpis.slaCompliance.step, 'share', kpis.slaCompliance.stepN),
    f('warnings', kpis.warnings, 'count'),
    f('breaches', kpis.breaches, 'count'),
    f('escalations', kpis.escalations, 'count'),
    f('reopenRate', kpis.reopenRate, 'share'),
    f('complaintRate', kpis.complaintRate, 'share'),
    f('csatMean', kpis.csat.mean, 'score', kpis.csat.n),
    f('csatSatisfied', kpis.csat.satisfiedShare, 'share', kpis.csat.n),
  ];
}

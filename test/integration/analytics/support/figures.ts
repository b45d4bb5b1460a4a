import type { DrillKpi, Kpis, MetricsQuery } from '../../../../server/services/analytics/metrics-model.js';
import type { Sopflow } from '../../../../server/sopflow.js';

/** The drill-down behind each figure, and the figure. */
const FIGURES: Array<[DrillKpi, (k: Kpis) => number]> = [
  ['tickets', (k) => k.tickets],
  ['open', (k) => k.open],
  ['closed', (k) => k.closed],
  ['firstResponse', (k) => k.firstResponseMs.n],
  ['fcr', (k) => Math.round((k.fcr.rate ?? 0) * k.fcr.n)],
  ['fcrCounted', (k) => k.fcr.n],
  ['abandoned', (k) => Math.round((k.abandonment.rate ?? 0) * k.abandonment.n)],
  ['breached', (k) => k.breaches],
  ['resolutionBreached', (k) => Math.round((1 - (k.slaCompliance.ticket ?? 1)) * k.slaCompliance.ticketN)],
  ['warned', (k) => k.warnings],
  ['reopened', (k) => Math.round((k.reopenRate ?? 0) * k.closed)],
  ['complaint', (k) => Math.round((k.complaintRate ?? 0) * k.tickets)],
  ['csat', (k) => k.csat.n],
  ['escalated', (k) => k.escalations],
];

/** Every figure's drill-down lists exactly as many tickets as the figure says. */
export async function drillDownsMatch(app: Pick<Sopflow, 'analytics'>, query: MetricsQuery, kpis: Kpis): Promise<void> {
  for (const [kpi, figure] of FIGURES) {
    const { total, rows } = await app.analytics.tickets({ ...query, kpi, limit: 500 });
    expect({ kpi, total, rows: rows.length }).toEqual({ kpi, total: figure(kpis), rows: figure(kpis) });
  }
}

import type { FactFilter } from '../../data/analytics/metrics-sql.js';
import type { KpiSums } from '../../data/analytics/metrics.query.js';
import type { Kpis, MetricsQuery } from './metrics-model.js';

/** The tickets a query asks about; a `week` group is drilled into through `from`/`to`, a `version` group through `version`. */
export function filterOf(q: MetricsQuery): FactFilter {
  const filter: FactFilter = { from: q.from, to: q.to };
  if (q.workflow !== undefined) filter.workflow = q.workflow;
  if (q.version !== undefined) filter.version = q.version;
  if (q.channel !== undefined) filter.channel = q.channel;
  if (q.level !== undefined) filter.level = q.level;
  if (q.vip !== undefined) filter.vip = q.vip;
  if (q.agent !== undefined) filter.agent = q.agent;
  if (q.team !== undefined) filter.team = q.team;
  return filter;
}

const ratio = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);

/** The KPIs of one group from its sums: every ratio and mean is divided here, once. */
export function kpisOf(sums: KpiSums | undefined): Kpis {
  const s = sums ?? emptySums();
  return {
    tickets: s.tickets,
    open: s.open,
    closed: s.tickets - s.open,
    firstResponseMs: { mean: ratio(s.firstResponse.sum, s.firstResponse.n), ...s.firstResponsePct, n: s.firstResponse.n },
    ahtMs: { mean: ratio(s.aht.sum, s.aht.n), n: s.aht.n },
    resolutionMs: { mean: ratio(s.resolution.sum, s.resolution.n), ...s.resolutionPct, n: s.resolution.n },
    waitingOnCustomerMs: { mean: ratio(s.waiting.sum, s.waiting.n), n: s.waiting.n },
    fcr: { rate: ratio(s.fcr.yes, s.fcr.n), n: s.fcr.n },
    abandonment: { rate: ratio(s.abandoned.yes, s.abandoned.n), n: s.abandoned.n },
    slaCompliance: {
      ticket: ratio(s.slaTicket.n - s.slaTicket.breached, s.slaTicket.n),
      step: ratio(s.slaStep.n - s.slaStep.breached, s.slaStep.n),
      ticketN: s.slaTicket.n,
      stepN: s.slaStep.n,
    },
    warnings: s.warned,
    breaches: s.breached,
    escalations: s.escalated,
    reopenRate: ratio(s.reopened, s.tickets - s.open),
    complaintRate: ratio(s.complaints, s.tickets),
    csat: { mean: ratio(s.csat.sum, s.csat.n), satisfiedShare: ratio(s.csat.satisfied, s.csat.n), n: s.csat.n },
  };
}

export function emptySums(key = 'all'): KpiSums {
  const pair = { n: 0, sum: 0 };
  return {
    key,
    tickets: 0,
    open: 0,
    firstResponse: pair,
    aht: pair,
    resolution: pair,
    waiting: pair,
    fcr: { n: 0, yes: 0 },
    abandoned: { n: 0, yes: 0 },
    slaTicket: { n: 0, breached: 0 },
    slaStep: { n: 0, breached: 0 },
    warned: 0,
    breached: 0,
    escalated: 0,
    reopened: 0,
    complaints: 0,
    csat: { n: 0, sum: 0, satisfied: 0 },
    firstResponsePct: { p50: null, p90: null },
    resolutionPct: { p50: null, p90: null },
  };
}

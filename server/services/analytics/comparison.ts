import type { Clock } from '../../shared/clock.js';
import type { KpiSums, MetricsReadModel } from '../../data/analytics/metrics.query.js';
import type { FactMeasure, FactRowsReadModel } from '../../data/analytics/fact-rows.query.js';
import { bootstrapMeanDifference, proportionDifference, verdictOf } from './compare.js';
import { definitionOf, type KpiId } from './definitions.js';
import { emptySums, filterOf } from './kpis.js';
import type { Comparison, ComparisonRow, MetricsQuery } from './metrics-model.js';

/** A mean compared by resampling its per-ticket values. */
const MEANS: Array<{ kpi: KpiId; measure: FactMeasure; of: (s: KpiSums) => { n: number; sum: number } }> = [
  { kpi: 'firstResponse', measure: 'firstResponse', of: (s) => s.firstResponse },
  { kpi: 'aht', measure: 'aht', of: (s) => s.aht },
  { kpi: 'resolution', measure: 'resolution', of: (s) => s.resolution },
  { kpi: 'csat', measure: 'csat', of: (s) => s.csat },
];

/** A rate compared by the two-proportion test: its numerator and denominator. */
const RATES: Array<{ kpi: KpiId; of: (s: KpiSums) => { yes: number; n: number } }> = [
  { kpi: 'fcr', of: (s) => s.fcr },
  { kpi: 'abandonment', of: (s) => s.abandoned },
  { kpi: 'slaTicket', of: (s) => ({ yes: s.slaTicket.n - s.slaTicket.breached, n: s.slaTicket.n }) },
  { kpi: 'reopenRate', of: (s) => ({ yes: s.reopened, n: s.tickets - s.open }) },
  { kpi: 'complaintRate', of: (s) => ({ yes: s.complaints, n: s.tickets }) },
  { kpi: 'csatSatisfied', of: (s) => ({ yes: s.csat.satisfied, n: s.csat.n }) },
];

/**
 * Two sets of tickets (two versions, or two periods) side by side: each KPI's value, sample sizes, the
 * difference B − A with its 95% interval, and a verdict that claims "better" only when the interval does.
 * A side's values are read thinned to at most `max` (every k-th ticket id), so memory stays bounded.
 */
export async function compareSets(
  deps: { clock: Clock; metrics: MetricsReadModel; rows: FactRowsReadModel },
  max: number,
  a: MetricsQuery,
  b: MetricsQuery,
): Promise<Comparison> {
  const now = deps.clock.now();
  const [sumsA, sumsB] = await Promise.all([a, b].map(async (q) => (await deps.metrics.kpis(filterOf(q), 'all', now))[0] ?? emptySums()));
  const rows: ComparisonRow[] = [];
  for (const mean of MEANS) {
    const [sa, sb] = [mean.of(sumsA!), mean.of(sumsB!)];
    const read = (q: MetricsQuery, n: number) => (n ? deps.rows.values(filterOf(q), mean.measure, Math.max(1, Math.ceil(n / max)), max) : Promise.resolve([]));
    const [valuesA, valuesB] = await Promise.all([read(a, sa.n), read(b, sb.n)]);
    const ci = bootstrapMeanDifference(valuesA, valuesB);
    rows.push(row(mean.kpi, sa.n ? sa.sum / sa.n : null, sb.n ? sb.sum / sb.n : null, sa.n, sb.n, ci));
  }
  for (const rate of RATES) {
    const [ra, rb] = [rate.of(sumsA!), rate.of(sumsB!)];
    const ci = proportionDifference(ra.yes, ra.n, rb.yes, rb.n);
    rows.push(row(rate.kpi, ra.n ? ra.yes / ra.n : null, rb.n ? rb.yes / rb.n : null, ra.n, rb.n, ci));
  }
  return { a, b, rows };
}

function row(kpi: KpiId, a: number | null, b: number | null, nA: number, nB: number, ci: [number, number] | null): ComparisonRow {
  return { kpi, a, b, nA, nB, difference: a !== null && b !== null ? b - a : null, ci95: ci, verdict: verdictOf(ci, definitionOf(kpi).higherIsBetter) };
}

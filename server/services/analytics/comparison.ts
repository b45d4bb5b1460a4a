import type { Clock } from '../../shared/clock.js';
import type { KpiSums, MetricsReadModel } from '../../data/analytics/metrics.query.js';
import { FACT_MEASURES, type FactMeasure, type FactRowsReadModel, type MeasureMoments } from '../../data/analytics/fact-rows.query.js';
import type { FactFilter } from '../../data/analytics/metrics-sql.js';
import {
  bootstrapMedianDifference,
  medianOf,
  medianWindow,
  proportionDifference,
  verdictOf,
  welchMeanDifference,
  type Moments,
  type SortedWindow,
} from './compare.js';
import { BOOTSTRAP_MIN_VALUES, definitionOf, type CompareMethod, type KpiId } from './definitions.js';
import { emptySums, filterOf } from './kpis.js';
import type { Comparison, ComparisonRow, MetricsQuery } from './metrics-model.js';

/** A mean compared by Welch's interval: the measure's per-ticket values, and its count and sum in the KPI sums. */
const MEANS: Array<{ kpi: KpiId; measure: FactMeasure; of: (s: KpiSums) => { n: number; sum: number } }> = [
  { kpi: 'firstResponse', measure: 'firstResponse', of: (s) => s.firstResponse },
  { kpi: 'aht', measure: 'aht', of: (s) => s.aht },
  { kpi: 'resolution', measure: 'resolution', of: (s) => s.resolution },
  { kpi: 'waitingOnCustomer', measure: 'waiting', of: (s) => s.waiting },
  { kpi: 'csat', measure: 'csat', of: (s) => s.csat },
];

/** A median compared by the bootstrap: the durations whose p50 the dashboard shows. */
const MEDIANS: Array<{ kpi: KpiId; measure: FactMeasure }> = [
  { kpi: 'firstResponse', measure: 'firstResponse' },
  { kpi: 'resolution', measure: 'resolution' },
];

/** A rate compared by the two-proportion interval: its numerator and denominator. */
const RATES: Array<{ kpi: KpiId; of: (s: KpiSums) => { yes: number; n: number } }> = [
  { kpi: 'fcr', of: (s) => s.fcr },
  { kpi: 'abandonment', of: (s) => s.abandoned },
  { kpi: 'slaTicket', of: (s) => ({ yes: s.slaTicket.n - s.slaTicket.breached, n: s.slaTicket.n }) },
  { kpi: 'reopenRate', of: (s) => ({ yes: s.reopened, n: s.tickets - s.open }) },
  { kpi: 'complaintRate', of: (s) => ({ yes: s.complaints, n: s.tickets }) },
  { kpi: 'csatSatisfied', of: (s) => ({ yes: s.csat.satisfied, n: s.csat.n }) },
];

interface Side {
  sums: KpiSums;
  moments: Record<FactMeasure, Moments>;
  windows: Map<FactMeasure, SortedWindow>;
}

/**
 * Two sets of tickets (two versions, or two periods) side by side: each KPI's value, sample sizes, the
 * difference B − A with its 95% interval, and a verdict that claims "better" only when the interval does.
 * Means and rates come from sums the database adds up; a median reads only the sorted values around it.
 */
export async function compareSets(
  deps: { clock: Clock; metrics: MetricsReadModel; rows: FactRowsReadModel },
  a: MetricsQuery,
  b: MetricsQuery,
): Promise<Comparison> {
  const now = deps.clock.now();
  const [sideA, sideB] = await Promise.all([a, b].map((q) => readSide(deps, filterOf(q), now)));
  const rows: ComparisonRow[] = [];
  for (const mean of MEANS) {
    const [ma, mb] = [sideA!.moments[mean.measure], sideB!.moments[mean.measure]];
    rows.push(row(mean.kpi, 'mean', 'welch-mean', ma.n ? ma.mean : null, mb.n ? mb.mean : null, ma.n, mb.n, welchMeanDifference(ma, mb)));
    const median = MEDIANS.find((m) => m.kpi === mean.kpi);
    if (!median) continue;
    const [wa, wb] = [sideA!.windows.get(median.measure)!, sideB!.windows.get(median.measure)!];
    rows.push(row(median.kpi, 'median', 'bootstrap-median', medianOf(wa), medianOf(wb), wa.n, wb.n, bootstrapMedianDifference(wa, wb)));
  }
  for (const rate of RATES) {
    const [ra, rb] = [rate.of(sideA!.sums), rate.of(sideB!.sums)];
    const ci = proportionDifference(ra.yes, ra.n, rb.yes, rb.n);
    rows.push(row(rate.kpi, 'rate', 'two-proportion-newcombe', ra.n ? ra.yes / ra.n : null, rb.n ? rb.yes / rb.n : null, ra.n, rb.n, ci));
  }
  return { a, b, rows };
}

/** One side: its sums (the rates, and each mean's centre), then its moments and median windows side by side. */
async function readSide(deps: { metrics: MetricsReadModel; rows: FactRowsReadModel }, filter: FactFilter, now: number): Promise<Side> {
  const sums = (await deps.metrics.kpis(filter, 'all', now, { percentiles: false }))[0] ?? emptySums();
  const centres = Object.fromEntries(
    FACT_MEASURES.map((measure) => {
      const of = MEANS.find((m) => m.measure === measure)!.of(sums);
      return [measure, of.n ? Math.round(of.sum / of.n) : 0];
    }),
  ) as Record<FactMeasure, number>;
  const windowOf = async (measure: FactMeasure): Promise<[FactMeasure, SortedWindow]> => {
    const n = MEANS.find((m) => m.measure === measure)!.of(sums).n;
    const { offset, limit } = medianWindow(n);
    return [measure, { n, offset, values: n ? await deps.rows.sorted(filter, measure, offset, limit) : [] }];
  };
  const [moments, ...windows] = await Promise.all([deps.rows.moments(filter, centres), ...MEDIANS.map((m) => windowOf(m.measure))]);
  return {
    sums,
    moments: Object.fromEntries(FACT_MEASURES.map((measure) => [measure, momentsOf(moments[measure], centres[measure])])) as Record<FactMeasure, Moments>,
    windows: new Map(windows),
  };
}

/** Mean and sample variance from the sums around `centre`: Σ(x − mean)² = Σ(x − c)² − n(mean − c)². */
function momentsOf(m: MeasureMoments, centre: number): Moments {
  if (m.n === 0) return { n: 0, mean: 0, variance: 0 };
  const mean = m.sum / m.n;
  const squares = m.squares - m.n * (mean - centre) ** 2;
  return { n: m.n, mean, variance: m.n > 1 ? Math.max(0, squares) / (m.n - 1) : 0 };
}

function row(
  kpi: KpiId,
  statistic: ComparisonRow['statistic'],
  method: CompareMethod,
  a: number | null,
  b: number | null,
  nA: number,
  nB: number,
  ci: [number, number] | null,
): ComparisonRow {
  const difference = a !== null && b !== null ? b - a : null;
  const tooFew = method === 'bootstrap-median' && Math.min(nA, nB) < BOOTSTRAP_MIN_VALUES;
  const verdict = tooFew ? 'no-evidence' : verdictOf(ci, definitionOf(kpi).higherIsBetter);
  return { kpi, statistic, method, a, b, nA, nB, difference, ci95: ci, verdict };
}

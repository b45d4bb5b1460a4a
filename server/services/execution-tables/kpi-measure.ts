import { DateTime } from 'luxon';
import type { Clock } from '../../shared/clock.js';
import { NotFoundError } from '../../shared/errors.js';
import type { KpiId } from '../analytics/definitions.js';
import type { Kpis, Metrics, MetricsQuery, MetricsService } from '../analytics/metrics-model.js';
import type { KpiMetric, KpiTarget } from './execution-table.js';

/**
 * A KPI target's live value, from the metric engine (`app.analytics`): measured over the tickets created in the
 * last KPI_TARGET_WINDOW_DAYS up to now, of the target's workflow (else the table's only workflow, else all).
 */
export interface Measurement {
  /** In the metric's unit (min, h, %, count, score); for a `change_*` target the change against the baseline, in %. */
  value: number | null;
  /** The value in the metric's unit, also for a `change_*` target. */
  current: number | null;
  /** A `change_*` target's value over its baseline period. */
  baseline?: number | null;
  /** null when nothing was measured (no ticket counts towards it). */
  met: boolean | null;
  /** How many the value counts (tickets, rated tickets, …). */
  n: number;
  /** The workflow measured; null: every workflow. */
  workflow: string | null;
  /** The tickets created in [from, to), epoch ms. */
  from: number;
  to: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const percent = (share: number | null): number | null => (share === null ? null : share * 100);
const per = (ms: number | null, unit: number): number | null => (ms === null ? null : ms / unit);

/**
 * Each target metric as the engine defines it (its KPI in `analytics/definitions.ts`) and read from the engine's
 * figures, in the unit the target is written in, with how many the value counts.
 */
export const MEASURES: Record<KpiMetric, { kpi: KpiId; read: (kpis: Kpis) => { value: number | null; n: number } }> = {
  first_response_time: { kpi: 'firstResponse', read: (k) => ({ value: per(k.firstResponseMs.mean, MINUTE), n: k.firstResponseMs.n }) },
  average_handling_time: { kpi: 'aht', read: (k) => ({ value: per(k.ahtMs.mean, MINUTE), n: k.ahtMs.n }) },
  resolution_time: { kpi: 'resolution', read: (k) => ({ value: per(k.resolutionMs.mean, HOUR), n: k.resolutionMs.n }) },
  first_contact_resolution: { kpi: 'fcr', read: (k) => ({ value: percent(k.fcr.rate), n: k.fcr.n }) },
  sla_compliance: { kpi: 'slaTicket', read: (k) => ({ value: percent(k.slaCompliance.ticket), n: k.slaCompliance.ticketN }) },
  breach_count: { kpi: 'breaches', read: (k) => ({ value: k.breaches, n: k.tickets }) },
  reopen_rate: { kpi: 'reopenRate', read: (k) => ({ value: percent(k.reopenRate), n: k.tickets }) },
  complaint_rate: { kpi: 'complaintRate', read: (k) => ({ value: percent(k.complaintRate), n: k.tickets }) },
  csat: { kpi: 'csat', read: (k) => ({ value: k.csat.mean, n: k.csat.n }) },
  csat_share_4_5: { kpi: 'csatSatisfied', read: (k) => ({ value: percent(k.csat.satisfiedShare), n: k.csat.n }) },
};

/** A metric read from the engine's figures; nothing counted when there were none to ask for. */
function readKpi(metric: KpiMetric, metrics: Metrics | undefined): { value: number | null; n: number } {
  return metrics ? MEASURES[metric].read(metrics.kpis) : { value: null, n: 0 };
}

export interface MeasureSettings {
  windowDays: number;
  /** The zone a baseline's dates are days of. */
  timeZone: string;
}

/** What a table's targets are measured against: the engine's figures, each query asked once per measuring. */
export class KpiMeasurer {
  constructor(
    private readonly analytics: MetricsService,
    private readonly clock: Clock,
    readonly settings: MeasureSettings,
  ) {}

  /**
   * Each target's measurement, by row id. `tableWorkflows` are the workflows the table optimizes: a target
   * naming none is measured on the table's only workflow, or on every workflow when the table has several or none.
   */
  async measure(targets: ReadonlyArray<{ rowId: number; kpi: KpiTarget }>, tableWorkflows: readonly string[]): Promise<Map<number, Measurement>> {
    const now = this.clock.now();
    const from = now - this.settings.windowDays * DAY;
    const asked = new Map<string, Promise<Metrics | undefined>>();
    const metrics = (query: MetricsQuery): Promise<Metrics | undefined> => {
      const key = JSON.stringify(query);
      let answer = asked.get(key);
      // A workflow named before validation existed may be missing: nothing of it is measured, the rest is.
      if (!answer)
        asked.set(
          key,
          (answer = this.analytics.metrics(query).catch((error: unknown) => (error instanceof NotFoundError ? undefined : Promise.reject(error)))),
        );
      return answer;
    };
    const measured = new Map<number, Measurement>();
    for (const { rowId, kpi } of targets) {
      const workflow = kpi.workflow ?? (tableWorkflows.length === 1 ? tableWorkflows[0]! : null);
      const scope = workflow === null ? {} : { workflow };
      const current = readKpi(kpi.metric, await metrics({ ...scope, from, to: now }));
      const measurement: Measurement = { value: current.value, current: current.value, met: null, n: current.n, workflow, from, to: now };
      if (kpi.comparison === 'change_lte' || kpi.comparison === 'change_gte') {
        const period = this.baselinePeriod(kpi);
        const baseline = period ? readKpi(kpi.metric, await metrics({ ...scope, ...period })).value : null;
        measurement.baseline = baseline;
        measurement.value = current.value === null || baseline === null || baseline === 0 ? null : ((current.value - baseline) / Math.abs(baseline)) * 100;
      }
      if (measurement.value !== null) measurement.met = kpi.comparison.endsWith('lte') ? measurement.value <= kpi.target : measurement.value >= kpi.target;
      measured.set(rowId, measurement);
    }
    return measured;
  }

  /** A baseline's dates as instants: from the first day's midnight to the midnight after the last day. */
  private baselinePeriod(kpi: KpiTarget): { from: number; to: number } | undefined {
    if (!kpi.baseline) return undefined;
    const zone = this.settings.timeZone;
    const from = DateTime.fromISO(kpi.baseline.from, { zone });
    const to = DateTime.fromISO(kpi.baseline.to, { zone }).plus({ days: 1 });
    return from.isValid && to.isValid ? { from: from.toMillis(), to: to.toMillis() } : undefined;
  }
}

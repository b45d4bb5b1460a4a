/**
 * The dashboard's figures on the loaded database, through the metric engine as the page and the API ask for
 * them: one workflow over a quarter (KPIs, groups, step statistics for the heatmap, bottlenecks, variants,
 * weekly series), and the before/after of that quarter against the next. Median of several runs after one
 * warm-up, in this process. Whole days come from the daily rollups, the partial ones from the raw rows; in
 * the same run the dashboard is timed again without the rollups (`rollups: false`, the raw aggregation):
 * the before and after of the rollups on the same data.
 */
import { KnexFactRowsReadModel } from '../../../server/data/analytics/fact-rows.query.js';
import { KnexMetricsReadModel } from '../../../server/data/analytics/metrics.query.js';
import type { MetricsQuery } from '../../../server/services/analytics/metrics-model.js';
import { createMetricsService } from '../../../server/services/analytics/metrics-service.js';
import { DEFAULT_ANALYTICS_SETTINGS } from '../../../server/shared/config.js';
import type { DatabaseConfig } from '../../../server/shared/config.js';
import { openSopflow } from '../../../server/sopflow.js';
import { median } from '../../stats.js';
import { atMost, type Figure } from '../../section.js';
import { benchConfig } from '../runtime/ticket-path.js';
import type { LoadedDatabase } from '../analytics.js';

const RUNS = 5;
const BAR_MS = 500;
const QUARTER: MetricsQuery = { workflow: 'customer-inquiry', from: Date.parse('2026-01-01T00:00:00+08:00'), to: Date.parse('2026-04-01T00:00:00+08:00') };
const NEXT_QUARTER: MetricsQuery = { ...QUARTER, from: QUARTER.to, to: Date.parse('2026-07-01T00:00:00+08:00') };

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number[]; last: T }> {
  let last = await work();
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    last = await work();
    ms.push(performance.now() - started);
  }
  return { ms, last };
}

export function dashboardFigures({ db, label, config, context }: LoadedDatabase): Promise<Figure[]> {
  return measureDashboard(config, { prefix: `analytics.${db}`, label, log: context.log, dashboardBarMs: BAR_MS, compareBarMs: BAR_MS });
}

/** The dashboard and the before/after on `config`'s database, figures named `<prefix>.dashboardMs` and `.compareMs` (a bar each, when given). */
export async function measureDashboard(
  config: DatabaseConfig,
  options: { prefix: string; label: string; log: (message: string) => void; dashboardBarMs: number; compareBarMs?: number; note?: string },
): Promise<Figure[]> {
  const { prefix, label, log } = options;
  const app = await openSopflow(benchConfig(config));
  try {
    const dashboard = await timed(() => app.analytics.metrics(QUARTER));
    const compare = await timed(() => app.analytics.compare(QUARTER, NEXT_QUARTER));
    const raw = createMetricsService({
      clock: app.clock,
      metrics: new KnexMetricsReadModel(app.db, DEFAULT_ANALYTICS_SETTINGS.weekUtcOffsetMinutes, { rollups: false }),
      rows: new KnexFactRowsReadModel(app.db),
      workflowOf: async (key) => (await app.workflows.latest(key)).workflow,
      versionsOf: (key) => app.workflows.versions(key),
    });
    const rawDashboard = await timed(() => raw.metrics(QUARTER));
    const [dashboardMs, compareMs, rawMs] = [median(dashboard.ms), median(compare.ms), median(rawDashboard.ms)];
    log(
      `${label} dashboard: ${dashboardMs.toFixed(0)} ms (${dashboard.last.kpis.tickets} tickets; ${rawMs.toFixed(0)} ms without the rollups), before/after ${compareMs.toFixed(0)} ms`,
    );
    const note = options.note ? `${options.note}; ` : '';
    const runs = (ms: number[]) => `median of ${RUNS} after a warm-up (${ms.map(Math.round).join(' / ')} ms)`;
    return [
      {
        name: `${prefix}.dashboardMs`,
        value: dashboardMs,
        unit: 'ms',
        note: `${note}MetricsService.metrics: customer-inquiry, Q1 2026 (${dashboard.last.kpis.tickets.toLocaleString('en')} tickets): KPIs, step statistics (the heatmap), bottlenecks, variants, weekly; ${runs(dashboard.ms)}`,
        bar: atMost(dashboardMs, options.dashboardBarMs, ' ms'),
      },
      {
        name: `${prefix}.dashboardRawMs`,
        value: rawMs,
        unit: 'ms',
        note: `${note}the same dashboard without the rollups (the raw aggregation, rollups: false), in the same run; ${runs(rawDashboard.ms)}`,
      },
      {
        name: `${prefix}.compareMs`,
        value: compareMs,
        unit: 'ms',
        note: `${note}MetricsService.compare: Q1 against Q2 2026 (Welch intervals of means, median bootstrap, Newcombe intervals of rates); ${runs(compare.ms)}`,
        ...(options.compareBarMs === undefined ? {} : { bar: atMost(compareMs, options.compareBarMs, ' ms') }),
      },
    ];
  } finally {
    await app.close();
  }
}

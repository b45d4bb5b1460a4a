import type { DrillKpi, Kpis, Metrics, StepStats } from '../../../services/analytics/metrics-model.js';
import type { Formatter } from '../../../shared/i18n.js';
import { addDays, href, type AnalyticsFilter } from './analytics-filter.js';
import type { Explain } from './explain.js';
import { drillOf, FIGURES, formatFigure, trendOf, type FigureCount } from './kpi-view.js';
import { chartSvg } from './svg-chart.js';

/** Where a dashboard's numbers link to: the tickets behind them, with the page's filters. */
export interface DashboardLinks {
  drill(kpi: DrillKpi, filter?: AnalyticsFilter): string;
}

export function dashboardLinks(key: string, filter: AnalyticsFilter): DashboardLinks {
  return { drill: (kpi, narrower = filter) => href(`/analytics/${encodeURIComponent(key)}/tickets`, narrower, { kpi }) };
}

/** A KPI tile: the value, the tickets it counts (linked), its trend against the previous period, and its footnote. */
export function tiles(kpis: Kpis, previous: Kpis, explain: Explain, links: DashboardLinks, f: Formatter) {
  const counted = (count: FigureCount | undefined) => {
    if (!count) return undefined;
    const drill = drillOf(count, kpis);
    return { text: formatFigure('count', count.count, f), ...(drill ? { href: links.drill(drill) } : {}) };
  };
  return FIGURES.map((figure, index) => {
    const explained = explain(figure.id);
    const value = figure.value(kpis);
    const before = figure.value(previous);
    const counts = figure.counts?.(kpis);
    const trend = trendOf(explained.unit, value, before, explained.higherIsBetter, f);
    return {
      id: figure.id,
      label: explained.name,
      value: formatFigure(explained.unit, value, f),
      valueHref: figure.drill && drillOf({ count: value ?? 0, drill: figure.drill }, kpis) ? links.drill(figure.drill) : undefined,
      counts: counts && { part: counted(counts.part), whole: counted(counts.whole), phrase: f.t(`analytics.counts.${counts.phrase}`) },
      trend: trend && { ...trend, previous: f.t('analytics.previous', { value: formatFigure(explained.unit, before, f) }) },
      definition: explained.text,
      footnote: index + 1,
    };
  });
}

/** The footnotes under the tiles: each figure's definition, numbered as the tiles point at them. */
export function footnotes(explain: Explain) {
  return FIGURES.map((figure, index) => ({ id: figure.id, n: index + 1, label: explain(figure.id).name, text: explain(figure.id).text }));
}

/**
 * One chart per figure over the weeks of the period (SVG drawn here): counts as bars, the rest as lines;
 * a week's point links to that week's tickets where the figure counts tickets.
 */
export function weeklyCharts(weekly: Metrics['weekly'], filter: AnalyticsFilter, explain: Explain, links: DashboardLinks, f: Formatter) {
  return FIGURES.map((figure) => {
    const explained = explain(figure.id);
    const title = f.t('analytics.chartTitle', { figure: explained.name });
    const values = weekly.map(({ kpis }) => figure.value(kpis));
    const scale = explained.unit === 'ms' ? durationScale(values) : 1;
    return {
      id: figure.id,
      title,
      svg: chartSvg({
        kind: figure.chart,
        id: `chart-${figure.id}`,
        title,
        description: explained.text,
        points: weekly.map(({ week }, i) => ({
          label: week.slice(5),
          value: values[i] === null ? null : values[i]! / scale,
          ...(figure.drill ? { href: links.drill(figure.drill, weekFilter(filter, week)) } : {}),
        })),
        format: (value) => formatFigure(explained.unit, value * scale, f),
        ...(explained.unit === 'rate' ? { floor: 0, ceiling: 1 } : explained.unit === 'score' ? { floor: 1, ceiling: 5 } : { floor: 0 }),
        ...(explained.unit === 'count' ? { whole: true } : {}),
        empty: f.t('analytics.noData'),
      }),
    };
  });
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Durations are charted in minutes, or hours past two: the axis' ticks are then round in the unit people read. */
function durationScale(values: Array<number | null>): number {
  return Math.max(0, ...values.map((v) => v ?? 0)) >= 2 * HOUR ? HOUR : MINUTE;
}

/** The filters narrowed to one week (Monday `week` to Sunday), within the page's period. */
function weekFilter(filter: AnalyticsFilter, week: string): AnalyticsFilter {
  const end = addDays(week, 6);
  return { ...filter, from: week > filter.from ? week : filter.from, to: end < filter.to ? end : filter.to };
}

/** How a step's median compares with its limit: the colour of the step on the diagram and in the table. */
export type HeatBand = 'none' | 'fast' | 'ok' | 'near' | 'over';
/** How often a step breaches its limit: the weight of its outline. */
export type BreachBand = 'none' | 'zero' | 'some' | 'high';
/** From this share of visits breached on, a step is outlined heavily. */
export const HIGH_BREACH_SHARE = 0.1;

export function heatBand(medianOverLimit: number | null): HeatBand {
  if (medianOverLimit === null) return 'none';
  if (medianOverLimit < 0.5) return 'fast';
  if (medianOverLimit < 0.8) return 'ok';
  if (medianOverLimit < 1) return 'near';
  return 'over';
}

export function breachBand(breachShare: number | null): BreachBand {
  if (breachShare === null) return 'none';
  if (breachShare === 0) return 'zero';
  return breachShare >= HIGH_BREACH_SHARE ? 'high' : 'some';
}

/**
 * The heatmap's data for the diagram's script: per step its bands, a short badge ("p50 12 min / 15 min ·
 * 8%") and the sentence of its tooltip. Put in a data attribute as JSON (escaped by the template).
 */
export function heatmapSteps(steps: StepStats[], f: Formatter): string {
  return JSON.stringify(
    steps.map((step) => {
      const median = formatFigure('ms', step.p50Ms, f);
      const limit = step.slaMs === null ? undefined : formatFigure('ms', step.slaMs, f);
      const share = formatFigure('rate', step.breachShare, f);
      return {
        id: step.step,
        band: heatBand(step.medianOverLimit),
        breach: breachBand(step.breachShare),
        text: limit ? f.t('analytics.heatmap.badge', { median, limit, share }) : f.t('analytics.heatmap.badgeNoLimit', { median }),
        title: f.t('analytics.heatmap.tooltip', {
          step: step.name,
          visits: step.visits,
          median,
          p90: formatFigure('ms', step.p90Ms, f),
          limit: limit ?? '—',
          share,
        }),
      };
    }),
  );
}

/** The legend under the diagram: the colour bands and the outlines, in words. */
export function heatmapLegend(f: Formatter) {
  return {
    bands: (['fast', 'ok', 'near', 'over', 'none'] as const).map((band) => ({ band, label: f.t(`analytics.heatmap.bands.${band}`) })),
    breaches: (['zero', 'some', 'high'] as const).map((band) => ({
      band,
      label: f.t(`analytics.heatmap.breaches.${band}`, { share: formatFigure('rate', HIGH_BREACH_SHARE, f) }),
    })),
  };
}

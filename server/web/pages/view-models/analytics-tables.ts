import type { Kpis, Metrics, StepStats } from '../../../services/analytics/metrics-model.js';
import type { Formatter } from '../../../shared/i18n.js';
import type { TableColumn } from '../table-workbook.js';
import { breachBand, heatBand } from './analytics-page.js';
import type { Explain } from './explain.js';
import { FIGURES } from './kpi-view.js';
import { cell, UNIT_KIND, type PageTable } from './page-table.js';

/** The dashboard's tables, by the id their export link names. */
export const DASHBOARD_TABLES = ['figures', 'weekly', 'steps', 'bottlenecks-waiting', 'bottlenecks-breaches', 'rework', 'variants'] as const;
export type DashboardTable = (typeof DASHBOARD_TABLES)[number];

export interface TableContext {
  metrics: Metrics;
  previous: Kpis;
  explain: Explain;
  f: Formatter;
  /** The export link of a table, with the page's filters. */
  exportHref(table: DashboardTable): string;
  /** A step's name in the workflow, for steps the figures do not name (automatic ones on a variant's path). */
  stepName(step: string): string | undefined;
}

/** One of the dashboard's tables, built from the engine's answer: the same model for the page and for Excel. */
export function dashboardTable(id: DashboardTable, context: TableContext): PageTable {
  const { f, explain } = context;
  const kindOf = (id: Parameters<Explain>[0]) => UNIT_KIND[explain(id).unit];
  const column = (key: string, kind: TableColumn['kind']): TableColumn => ({ label: f.t(`analytics.columns.${key}`), kind });
  const base = { id, caption: f.t(`analytics.tables.${id}`), exportHref: context.exportHref(id), empty: f.t('analytics.noData') };
  const names = new Map(context.metrics.steps.map((s) => [s.step, s.name]));
  const nameOf = (step: string) => names.get(step) ?? context.stepName(step) ?? step;
  switch (id) {
    case 'figures':
      return {
        ...base,
        columns: [column('figure', 'text'), column('value', 'number'), column('previous', 'number'), column('definition', 'text')],
        rows: FIGURES.map((figure) => ({
          cells: [
            cell('text', explain(figure.id).name, f),
            cell(kindOf(figure.id), figure.value(context.metrics.kpis), f),
            cell(kindOf(figure.id), figure.value(context.previous), f),
            cell('text', explain(figure.id).text, f),
          ],
        })),
      };
    case 'weekly':
      return {
        ...base,
        columns: [column('week', 'text'), ...FIGURES.map((figure) => ({ label: explain(figure.id).name, kind: kindOf(figure.id) }))],
        rows: context.metrics.weekly.map(({ week, kpis }) => ({
          cells: [cell('text', week, f), ...FIGURES.map((figure) => cell(kindOf(figure.id), figure.value(kpis), f))],
        })),
      };
    case 'steps':
      return {
        ...base,
        columns: [
          column('step', 'text'),
          column('visits', 'integer'),
          column('p50', 'duration'),
          column('p90', 'duration'),
          column('limit', 'duration'),
          column('medianOverLimit', 'share'),
          column('breachShare', 'share'),
          column('waiting', 'duration'),
        ],
        rows: context.metrics.steps.map((step) => ({ anchor: `step-${step.step}`, cells: stepCells(step, f) })),
      };
    case 'bottlenecks-waiting':
      return {
        ...base,
        columns: [column('step', 'text'), column('waiting', 'duration'), column('visits', 'integer'), column('p50', 'duration'), column('p90', 'duration')],
        rows: context.metrics.bottlenecks.byWaiting.map((step) => ({
          cells: [
            cell('text', step.name, f),
            cell('duration', step.totalWaitingMs, f),
            cell('integer', step.visits, f),
            cell('duration', step.p50Ms, f),
            cell('duration', step.p90Ms, f),
          ],
        })),
      };
    case 'bottlenecks-breaches':
      return {
        ...base,
        columns: [column('step', 'text'), column('breachShare', 'share'), column('visits', 'integer'), column('limit', 'duration'), column('p50', 'duration')],
        rows: context.metrics.bottlenecks.byBreachShare.map((step) => ({
          cells: [
            cell('text', step.name, f),
            cell('share', step.breachShare, f, { tone: `breach-${breachBand(step.breachShare)}` }),
            cell('integer', step.visits, f),
            cell('duration', step.slaMs, f),
            cell('duration', step.p50Ms, f),
          ],
        })),
      };
    case 'rework':
      return {
        ...base,
        columns: [column('from', 'text'), column('to', 'text'), column('count', 'integer')],
        rows: context.metrics.rework.map((loop) => ({
          cells: [cell('text', nameOf(loop.from), f), cell('text', nameOf(loop.to), f), cell('integer', loop.count, f)],
        })),
      };
    case 'variants':
      return {
        ...base,
        columns: [column('path', 'text'), column('tickets', 'integer'), column('meanResolution', 'duration')],
        rows: context.metrics.variants.map((variant) => ({
          cells: [cell('text', variant.path.map(nameOf).join(' → '), f), cell('integer', variant.tickets, f), cell('duration', variant.meanResolutionMs, f)],
        })),
      };
  }
}

function stepCells(step: StepStats, f: Formatter) {
  return [
    cell('text', step.name, f),
    cell('integer', step.visits, f),
    cell('duration', step.p50Ms, f),
    cell('duration', step.p90Ms, f),
    cell('duration', step.slaMs, f),
    cell('share', step.medianOverLimit, f, { tone: `heat-${heatBand(step.medianOverLimit)}` }),
    cell('share', step.breachShare, f, { tone: `breach-${breachBand(step.breachShare)}` }),
    cell('duration', step.totalWaitingMs, f),
  ];
}

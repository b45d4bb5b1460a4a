import { KPI_METRICS, type KpiTarget } from '../../../services/execution-tables/execution-table.js';
import { MEASURES, type Measurement } from '../../../services/execution-tables/kpi-measure.js';
import { definitionOf } from '../../../services/analytics/definitions.js';
import type { Formatter } from '../../../shared/i18n.js';

/** A measured number as people read it: at most one decimal, a real minus sign. */
function number(value: number, f: Formatter): string {
  return f.number(value, 'decimal').replace(/^-/, '−');
}

function withUnit(value: number, kpi: KpiTarget, f: Formatter): string {
  const unit = KPI_METRICS[kpi.metric].unit;
  return unit === 'count' || unit === 'score' ? number(value, f) : `${number(value, f)} ${f.t(`executionTables.units.${unit}`)}`;
}

/**
 * A target's live measurement for the table and the row's page: the value (a change in % for `change_*`
 * targets), met or missed, and where it comes from (the window, the workflow, how many it counts).
 */
export function measurementView(kpi: KpiTarget | null, measurement: Measurement | undefined, status: string, f: Formatter) {
  if (!kpi || !measurement) return undefined;
  const verdict = measurement.met === null ? 'unmeasured' : measurement.met ? 'met' : 'missed';
  const relative = kpi.comparison.startsWith('change_');
  const value =
    measurement.value === null
      ? f.t('executionTables.measured.none')
      : relative
        ? `${measurement.value > 0 ? '+' : ''}${number(measurement.value, f)}%`
        : withUnit(measurement.value, kpi, f);
  const source = f.t('executionTables.measured.source', {
    days: Math.round((measurement.to - measurement.from) / 86_400_000),
    workflow: measurement.workflow ?? f.t('reports.allWorkflows'),
    n: measurement.n,
  });
  const baseline =
    relative && measurement.current !== null && measurement.baseline !== null && measurement.baseline !== undefined
      ? f.t('executionTables.measured.against', { current: withUnit(measurement.current, kpi, f), baseline: withUnit(measurement.baseline, kpi, f) })
      : '';
  return {
    verdict,
    value,
    label: f.t(`executionTables.verdicts.${verdict}`),
    detail: [source, baseline].filter(Boolean).join(' · '),
    /** The KPI's definition, written once by the metric engine: the number's footnote. */
    definition: definitionOf(MEASURES[kpi.metric].kpi).formula[f.locale === 'zh-CN' ? 'zh' : 'en'],
    /** A missed target may flag its row 需优化, unless it is flagged already. */
    canFlag: verdict === 'missed' && status !== 'needs_optimization',
  };
}

/** What a `flagged` history entry kept: the measurement and the target it missed, as one line. */
export function flaggedText(kept: Measurement & Pick<KpiTarget, 'metric' | 'comparison' | 'target'>, f: Formatter): string {
  const view = measurementView({ metric: kept.metric, comparison: kept.comparison, target: kept.target }, kept, '', f);
  const relative = kept.comparison.startsWith('change_');
  const target = relative ? `${kept.target}%` : withUnit(kept.target, { metric: kept.metric, comparison: kept.comparison, target: kept.target }, f);
  return `${view!.value} (${f.t(`executionTables.comparisons.${kept.comparison}`)} ${target}: ${view!.label}; ${view!.detail})`;
}

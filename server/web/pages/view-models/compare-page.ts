import type { CompareMethod, KpiId } from '../../../services/analytics/definitions.js';
import { KPI_DEFINITIONS } from '../../../services/analytics/definitions.js';
import type { Comparison } from '../../../services/analytics/metrics-model.js';
import type { Formatter } from '../../../shared/i18n.js';
import type { TableColumn } from '../table-workbook.js';
import { comparisonRules, methodText, type Explain } from './explain.js';
import { formatChange, formatFigure } from './kpi-view.js';
import { cell, UNIT_KIND, type PageCell, type PageTable } from './page-table.js';

const isKpi = (id: string): id is KpiId => KPI_DEFINITIONS.some((d) => d.id === id);

/**
 * The before/after table: each KPI's value on both sides with its sample size, the change B − A, the 95%
 * interval of that change and the verdict the engine drew from it — "better" or "worse" only when the
 * interval says so, "no evidence" otherwise. Each row points at the footnote naming its method (the row's own:
 * a duration has a row for its mean and one for its median, made differently).
 */
export function comparisonTable(
  comparison: Comparison,
  explain: Explain,
  f: Formatter,
  exportHref: string,
): { table: PageTable; methods: Array<{ n: number; text: string }> } {
  const methods: CompareMethod[] = [];
  const column = (key: string, kind: TableColumn['kind']): TableColumn => ({ label: f.t(`analytics.compare.columns.${key}`), kind });
  const rows = comparison.rows.filter((row) => isKpi(row.kpi));
  return {
    table: {
      id: 'compare',
      caption: f.t('analytics.compare.tableCaption'),
      exportHref,
      empty: f.t('analytics.noData'),
      columns: [
        column('figure', 'text'),
        column('a', 'number'),
        column('nA', 'integer'),
        column('b', 'number'),
        column('nB', 'integer'),
        column('change', 'number'),
        column('ciLow', 'number'),
        column('ciHigh', 'number'),
        column('verdict', 'text'),
        column('method', 'text'),
      ],
      rows: rows.map((row) => {
        const explained = explain(row.kpi as KpiId);
        const kind = UNIT_KIND[explained.unit];
        // A change of a duration is a duration; of a rate, percentage points (stored as the fraction).
        const changeKind = kind === 'duration' ? 'hours' : kind;
        const change = (value: number | null): PageCell =>
          value === null ? cell(changeKind, null, f) : { kind: changeKind, value, text: formatChange(explained.unit, value, f) };
        if (!methods.includes(row.method)) methods.push(row.method);
        const footnote = String(methods.indexOf(row.method) + 1);
        // A duration is compared by its mean and by its median: the row says which.
        const name = explained.unit !== 'ms' ? explained.name : f.t(`analytics.compare.statistics.${row.statistic}`, { name: explained.name });
        return {
          cells: [
            cell('text', name, f),
            { kind, value: row.a, text: formatFigure(explained.unit, row.a, f) },
            cell('integer', row.nA, f),
            { kind, value: row.b, text: formatFigure(explained.unit, row.b, f) },
            cell('integer', row.nB, f),
            change(row.difference),
            change(row.ci95?.[0] ?? null),
            change(row.ci95?.[1] ?? null),
            cell('text', f.t(`analytics.compare.verdicts.${row.verdict}`), f, { tone: `verdict-${row.verdict}` }),
            cell('text', footnote, f, footnote ? { href: `#method-${footnote}` } : {}),
          ],
        };
      }),
    },
    methods: methods.map((method, index) => ({ n: index + 1, text: methodText(method, f) })),
  };
}

/** The rules under the table: what "better" needs, and how percentiles are taken. */
export function comparisonNotes(f: Formatter) {
  const rules = comparisonRules(f);
  return { verdict: rules.verdict, percentiles: rules.percentiles };
}

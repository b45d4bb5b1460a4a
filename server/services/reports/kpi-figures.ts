import { definitionOf, PERCENTILE_RULE, type KpiId } from '../analytics/definitions.js';
import type { Kpis } from '../analytics/metrics-model.js';
import type { Locale } from '../../shared/i18n.js';

/** How a figure is shown: a duration (ms), a share (0–1), a count, or a 1–5 score. */
export type FigureKind = 'duration' | 'share' | 'count' | 'score';
/** Which of a KPI's numbers a figure is (the mean of a duration, its p50, …); none: the KPI itself. */
export type FigureVariant = 'mean' | 'p50' | 'p90' | 'open' | 'closed';

/** One number of the dashboard: its KPI, which of its numbers, the value (null where nothing was measured) and how many it counts. */
export interface KpiFigure {
  kpi: KpiId;
  variant?: FigureVariant;
  value: number | null;
  kind: FigureKind;
  n: number | null;
}

/** The dashboard's figures of a `Kpis`, in the dashboard's order: what a report's KPI sheet lists. */
export function kpiFigures(kpis: Kpis): KpiFigure[] {
  const f = (kpi: KpiId, value: number | null, kind: FigureKind, n: number | null = null, variant?: FigureVariant): KpiFigure => ({
    kpi,
    value,
    kind,
    n,
    ...(variant ? { variant } : {}),
  });
  const { firstResponseMs: first, resolutionMs: resolution } = kpis;
  return [
    f('tickets', kpis.tickets, 'count'),
    f('tickets', kpis.open, 'count', null, 'open'),
    f('tickets', kpis.closed, 'count', null, 'closed'),
    f('firstResponse', first.mean, 'duration', first.n, 'mean'),
    f('firstResponse', first.p50, 'duration', first.n, 'p50'),
    f('firstResponse', first.p90, 'duration', first.n, 'p90'),
    f('aht', kpis.ahtMs.mean, 'duration', kpis.ahtMs.n, 'mean'),
    f('resolution', resolution.mean, 'duration', resolution.n, 'mean'),
    f('resolution', resolution.p50, 'duration', resolution.n, 'p50'),
    f('resolution', resolution.p90, 'duration', resolution.n, 'p90'),
    f('waitingOnCustomer', kpis.waitingOnCustomerMs.mean, 'duration', kpis.waitingOnCustomerMs.n, 'mean'),
    f('fcr', kpis.fcr.rate, 'share', kpis.fcr.n),
    f('abandonment', kpis.abandonment.rate, 'share', kpis.abandonment.n),
    f('slaTicket', kpis.slaCompliance.ticket, 'share', kpis.slaCompliance.ticketN),
    f('slaStep', kpis.slaCompliance.step, 'share', kpis.slaCompliance.stepN),
    f('warnings', kpis.warnings, 'count'),
    f('breaches', kpis.breaches, 'count'),
    f('escalations', kpis.escalations, 'count'),
    f('reopenRate', kpis.reopenRate, 'share'),
    f('complaintRate', kpis.complaintRate, 'share'),
    f('csat', kpis.csat.mean, 'score', kpis.csat.n, 'mean'),
    f('csatSatisfied', kpis.csat.satisfiedShare, 'share', kpis.csat.n),
  ];
}

/** A figure's definition as the metric engine writes it (once, in `definitions.ts`), in the reader's language. */
export function figureDefinition(figure: KpiFigure, locale: Locale): string {
  const language = locale === 'zh-CN' ? 'zh' : 'en';
  const formula = definitionOf(figure.kpi).formula[language];
  return figure.variant === 'p50' || figure.variant === 'p90' ? `${formula} ${PERCENTILE_RULE[language]}` : formula;
}

/** A figure's name: the KPI's own (from its definition), with which of its numbers it is. */
export function figureName(figure: KpiFigure, locale: Locale, variantLabel: (variant: FigureVariant) => string): string {
  const name = definitionOf(figure.kpi).name[locale === 'zh-CN' ? 'zh' : 'en'];
  if (figure.variant === 'open' || figure.variant === 'closed') return variantLabel(figure.variant);
  return figure.variant ? `${name} (${variantLabel(figure.variant)})` : name;
}

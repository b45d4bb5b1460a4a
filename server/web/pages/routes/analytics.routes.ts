import { Router, type Request, type Response } from 'express';
import type { KpiId } from '../../../services/analytics/definitions.js';
import type { DrillKpi } from '../../../services/analytics/metrics-model.js';
import { DRILL_KPIS } from '../../../services/analytics/metrics-model.js';
import { AppError, ValidationError } from '../../../shared/errors.js';
import { overChars } from '../../../shared/limits.js';
import { requireRole, type PageKit } from '../page-kit.js';
import { href, metricsQuery, previousPeriod, readFilter, type AnalyticsFilter } from '../view-models/analytics-filter.js';
import { dashboardLinks, footnotes, heatmapLegend, heatmapSteps, tiles, weeklyCharts } from '../view-models/analytics-page.js';
import { DASHBOARD_TABLES, dashboardTable, type DashboardTable } from '../view-models/analytics-tables.js';
import { drillTable, TICKET_PAGE_SIZE } from '../view-models/drill-down.js';
import { explainer } from '../view-models/explain.js';
import { filterForm } from '../view-models/filter-form.js';
import { figureOf, formatFigure } from '../view-models/kpi-view.js';
import { tableSheet } from '../view-models/page-table.js';
import { daysOf, sendTicketsWorkbook, sendWorkbook, workbookFilename, workflowOf, type WorkflowContext } from './analytics-kit.js';

/** The figures the workflow list shows for each workflow. */
const HEADLINE: readonly KpiId[] = ['tickets', 'fcr', 'slaTicket', 'csat'];

/**
 * `/analytics` (managers): every workflow with its headline figures over the last four weeks;
 * `/analytics/:key`: the dashboard (filters, figures with trends and footnotes, weekly charts, the diagram's
 * heatmap, bottlenecks, rework, variants); `/analytics/:key/tickets`: the tickets behind a number; each table
 * as an Excel workbook (`/analytics/:key/export/<table>.xlsx`, `/analytics/:key/tickets.xlsx`).
 */
export function analyticsRoutes(kit: PageKit): Router {
  const router = Router();
  router.use('/analytics', requireRole('manager'));

  router.get('/analytics', async (req, res) => {
    const f = kit.formatter(req);
    const explain = explainer(f);
    const filter = readFilter({}, kit.app.clock.now(), daysOf(kit));
    const versions = await kit.catalog.latest();
    const rows = await Promise.all(
      versions.map(async (v) => {
        const { kpis } = await kit.app.analytics.metrics(metricsQuery(v.key, filter, daysOf(kit)));
        return {
          key: v.key,
          name: v.name,
          version: v.version,
          href: `/analytics/${encodeURIComponent(v.key)}`,
          compareHref: `/analytics/${encodeURIComponent(v.key)}/compare`,
          figures: HEADLINE.map(figureOf).map((figure) => ({
            value: formatFigure(explain(figure.id).unit, figure.value(kpis), f),
            ...(figure.drill ? { href: href(`/analytics/${encodeURIComponent(v.key)}/tickets`, filter, { kpi: figure.drill }) } : {}),
          })),
        };
      }),
    );
    await kit.send(req, res, 'analytics', 'analytics.title', {
      period: f.t('analytics.periodOf', { from: filter.from, to: filter.to }),
      headings: HEADLINE.map((id) => explain(id).name),
      rows,
    });
  });

  router.get('/analytics/:key', async (req, res) => {
    const context = await workflowOf(kit, req);
    const f = kit.formatter(req);
    const filter = await filterOr400(kit, req, res, context, 'analytics-dashboard');
    if (!filter) return;
    const explain = explainer(f);
    const query = metricsQuery(context.key, filter, daysOf(kit));
    const [metrics, previous] = await Promise.all([
      kit.app.analytics.metrics(query),
      kit.app.analytics.metrics(metricsQuery(context.key, previousPeriod(filter), daysOf(kit))),
    ]);
    const links = dashboardLinks(context.key, filter);
    const exportHref = (table: DashboardTable) => href(`/analytics/${encodeURIComponent(context.key)}/export/${table}.xlsx`, filter);
    const stepName = (step: string) => context.latest.workflow.steps[step]?.name;
    const table = (id: DashboardTable) => dashboardTable(id, { metrics, previous: previous.kpis, explain, f, exportHref, stepName });
    const diagramVersion = filter.version ?? context.latest.version;
    await kit.send(
      req,
      res,
      'analytics-dashboard',
      { text: f.t('analytics.dashboardTitle', { name: context.latest.name }) },
      {
        ...heading(context, filter, f),
        form: filterForm(`/analytics/${encodeURIComponent(context.key)}`, [context.latest.workflow], req.query, f, { filter, versions: context.versions }),
        compareHref: href(`/analytics/${encodeURIComponent(context.key)}/compare`, filter),
        tiles: tiles(metrics.kpis, previous.kpis, explain, links, f),
        previousPeriod: f.t('analytics.previousPeriod', { from: previousPeriod(filter).from, to: previousPeriod(filter).to }),
        charts: weeklyCharts(metrics.weekly, filter, explain, links, f),
        weeklyExportHref: exportHref('weekly'),
        figuresExportHref: exportHref('figures'),
        heatmap: {
          bpmnUrl: `/api/workflows/${encodeURIComponent(context.key)}/versions/${diagramVersion}/bpmn`,
          version: diagramVersion,
          steps: heatmapSteps(metrics.steps, f),
          legend: heatmapLegend(f),
          table: table('steps'),
        },
        bottlenecks: [table('bottlenecks-waiting'), table('bottlenecks-breaches')],
        rework: table('rework'),
        variants: table('variants'),
        footnotes: footnotes(explain),
      },
    );
  });

  router.get('/analytics/:key/export/:table.xlsx', async (req, res) => {
    const context = await workflowOf(kit, req);
    const id = DASHBOARD_TABLES.find((t) => t === req.params.table);
    if (!id) throw new AppError('not_found', `no table ${String(req.params.table)}`);
    const f = kit.formatter(req);
    const filter = readFilter(req.query, kit.app.clock.now(), daysOf(kit), { versions: context.versions });
    const [metrics, previous] = await Promise.all([
      kit.app.analytics.metrics(metricsQuery(context.key, filter, daysOf(kit))),
      kit.app.analytics.metrics(metricsQuery(context.key, previousPeriod(filter), daysOf(kit))),
    ]);
    const stepName = (step: string) => context.latest.workflow.steps[step]?.name;
    const table = dashboardTable(id, { metrics, previous: previous.kpis, explain: explainer(f), f, exportHref: () => '', stepName });
    await sendWorkbook(res, workbookFilename([context.key, id, filter.from, filter.to]), tableSheet(table, sheetTitle(table.caption, context, filter, f)), f);
  });

  router.get('/analytics/:key/tickets', async (req, res) => {
    const context = await workflowOf(kit, req);
    const f = kit.formatter(req);
    const filter = await filterOr400(kit, req, res, context, 'analytics-tickets');
    if (!filter) return;
    const kpi = drillKpi(req);
    const cursor = typeof req.query.cursor === 'string' && !overChars(req.query.cursor, 200) ? req.query.cursor : undefined;
    const page = await kit.app.analytics.tickets({
      ...metricsQuery(context.key, filter, daysOf(kit)),
      kpi,
      limit: TICKET_PAGE_SIZE,
      ...(cursor ? { cursor } : {}),
    });
    const base = `/analytics/${encodeURIComponent(context.key)}/tickets`;
    await kit.send(
      req,
      res,
      'analytics-tickets',
      { text: f.t(`analytics.drill.${kpi}`) },
      {
        ...heading(context, filter, f),
        kpi,
        kpiLabel: f.t(`analytics.drill.${kpi}`),
        total: page.total,
        totalText: f.t('analytics.ticketCount', { count: page.total, formatted: formatFigure('count', page.total, f) }),
        form: filterForm(base, [context.latest.workflow], req.query, f, { filter, versions: context.versions }),
        kpiField: kpi,
        dashboardHref: href(`/analytics/${encodeURIComponent(context.key)}`, filter),
        table: drillTable(page.rows, f, href(`${base}.xlsx`, filter, { kpi })),
        nextHref: page.next ? href(base, filter, { kpi, cursor: page.next }) : undefined,
        firstHref: cursor ? href(base, filter, { kpi }) : undefined,
      },
    );
  });

  router.get('/analytics/:key/tickets.xlsx', async (req, res) => {
    const context = await workflowOf(kit, req);
    const f = kit.formatter(req);
    const filter = readFilter(req.query, kit.app.clock.now(), daysOf(kit), { versions: context.versions });
    const kpi = drillKpi(req);
    const title = sheetTitle(f.t(`analytics.drill.${kpi}`), context, filter, f);
    await sendTicketsWorkbook(
      kit,
      res,
      f,
      { ...metricsQuery(context.key, filter, daysOf(kit)), kpi },
      { filename: workbookFilename([context.key, kpi, filter.from, filter.to]), title },
    );
  });

  return router;
}

/** The filters of the request; refused ones re-show the page's form with each problem beside its field (400). */
async function filterOr400(kit: PageKit, req: Request, res: Response, context: WorkflowContext, page: string): Promise<AnalyticsFilter | undefined> {
  const f = kit.formatter(req);
  try {
    return readFilter(req.query, kit.app.clock.now(), daysOf(kit), { versions: context.versions });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    await kit.send(
      req,
      res,
      page,
      { text: context.latest.name },
      {
        name: context.latest.name,
        key: context.key,
        refused: true,
        form: filterForm(req.path, [context.latest.workflow], req.query, f, { versions: context.versions, problems: error.problems }),
      },
      400,
    );
    return undefined;
  }
}

function drillKpi(req: Request): DrillKpi {
  const asked = req.query.kpi ?? 'tickets';
  const kpi = DRILL_KPIS.find((k) => k === asked);
  if (!kpi) {
    const allowed = DRILL_KPIS.join(', ');
    throw new ValidationError('kpi is not one of the drill-downs', [
      { field: 'kpi', message: `must be one of ${allowed}`, code: 'notOneOf', values: { value: String(asked), allowed } },
    ]);
  }
  return kpi;
}

function heading(context: WorkflowContext, filter: AnalyticsFilter, f: ReturnType<PageKit['formatter']>) {
  return {
    name: context.latest.name,
    key: context.key,
    period: f.t('analytics.periodOf', { from: filter.from, to: filter.to }),
    versionText: filter.version === undefined ? f.t('analytics.filters.allVersions') : f.t('analytics.filters.versionN', { version: filter.version }),
  };
}

function sheetTitle(what: string, context: WorkflowContext, filter: AnalyticsFilter, f: ReturnType<PageKit['formatter']>): string {
  return `${what} · ${context.latest.name} · ${f.t('analytics.periodOf', { from: filter.from, to: filter.to })}`;
}

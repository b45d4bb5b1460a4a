import { Router, type Request } from 'express';
import { ValidationError, type FieldProblem } from '../../../shared/errors.js';
import type { Formatter } from '../../../shared/i18n.js';
import { requireRole, type PageKit } from '../page-kit.js';
import {
  addDays,
  DEFAULT_PERIOD_DAYS,
  filterParams,
  MAX_PERIOD_DAYS,
  metricsQuery,
  previousPeriod,
  readFilter,
  type AnalyticsFilter,
} from '../view-models/analytics-filter.js';
import { comparisonNotes, comparisonTable } from '../view-models/compare-page.js';
import { explainer } from '../view-models/explain.js';
import { filterForm } from '../view-models/filter-form.js';
import { tableSheet } from '../view-models/page-table.js';
import { daysOf, sendWorkbook, workbookFilename, workflowOf, type WorkflowContext } from './analytics-kit.js';

/**
 * `/analytics/:key/compare` (managers): two versions of a workflow, or two periods, side by side — each
 * side a version and a period (`a.version`, `a.from`, `a.to`, `b.…`), channel, level and VIP shared — with
 * the change, the sample sizes, the 95% interval and the verdict of `MetricsService.compare`; the table as
 * a workbook at `/analytics/:key/compare.xlsx`.
 */
export function analyticsCompareRoutes(kit: PageKit): Router {
  const router = Router();
  router.use('/analytics', requireRole('manager'));

  router.get('/analytics/:key/compare', async (req, res) => {
    const context = await workflowOf(kit, req);
    const f = kit.formatter(req);
    const base = `/analytics/${encodeURIComponent(context.key)}/compare`;
    const sides = readSides(kit, req, context);
    const forms = (problems: FieldProblem[] = []) =>
      (['a', 'b'] as const).map((side) => ({
        side,
        legend: f.t(`analytics.compare.side.${side}`),
        form: filterForm(base, [context.latest.workflow], sideFields(req.query, side), f, {
          ...('a' in sides ? { filter: sides[side] } : {}),
          versions: context.versions,
          problems: problems.filter((p) => p.field.startsWith(`${side}.`)).map((p) => ({ ...p, field: p.field.slice(2) })),
        }),
      }));
    if (!('a' in sides)) {
      await kit.send(
        req,
        res,
        'analytics-compare',
        { text: context.latest.name },
        { ...head(context, f, base), refused: true, sides: forms(sides.problems), shared: sharedForm(req, context, f, sides.problems) },
        400,
      );
      return;
    }
    const comparison = await kit.app.analytics.compare(metricsQuery(context.key, sides.a, daysOf(kit)), metricsQuery(context.key, sides.b, daysOf(kit)));
    const query = new URLSearchParams([...filterParams(sides.a, 'a.'), ...filterParams(sides.b, 'b.', false)]).toString();
    const { table, methods } = comparisonTable(comparison, explainer(f), f, `${base}.xlsx?${query}`);
    await kit.send(
      req,
      res,
      'analytics-compare',
      { text: f.t('analytics.compare.title', { name: context.latest.name }) },
      {
        ...head(context, f, base),
        sides: forms(),
        shared: sharedForm(req, context, f, [], sides.a),
        summary: (['a', 'b'] as const).map((side) => ({ side, label: f.t(`analytics.compare.side.${side}`), text: describe(sides[side], f) })),
        presets: presets(context, daysOf(kit).dayOf(kit.app.clock.now()), base, f),
        table,
        methods,
        notes: comparisonNotes(f),
      },
    );
  });

  router.get('/analytics/:key/compare.xlsx', async (req, res) => {
    const context = await workflowOf(kit, req);
    const f = kit.formatter(req);
    const sides = readSides(kit, req, context);
    if (!('a' in sides)) throw new ValidationError('the comparison is not valid', sides.problems);
    const comparison = await kit.app.analytics.compare(metricsQuery(context.key, sides.a, daysOf(kit)), metricsQuery(context.key, sides.b, daysOf(kit)));
    const { table } = comparisonTable(comparison, explainer(f), f, '');
    const title = `${table.caption} · ${context.latest.name} · A: ${describe(sides.a, f)} · B: ${describe(sides.b, f)}`;
    await sendWorkbook(res, workbookFilename([context.key, 'compare']), tableSheet(table, title), f);
  });

  return router;
}

/** Both sides, or every problem with them (fields named `a.from`, `b.version`, …; shared ones bare). */
function readSides(kit: PageKit, req: Request, context: WorkflowContext): { a: AnalyticsFilter; b: AnalyticsFilter } | { problems: FieldProblem[] } {
  const now = kit.app.clock.now();
  const defaults = defaultSides(context, daysOf(kit).dayOf(now));
  const problems: FieldProblem[] = [];
  const read = (side: 'a' | 'b') => {
    try {
      return readFilter(req.query, now, daysOf(kit), { side: `${side}.`, defaults: defaults[side], versions: context.versions });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      for (const problem of error.problems) if (!problems.some((p) => p.field === problem.field)) problems.push(problem);
      return undefined;
    }
  };
  const a = read('a');
  const b = read('b');
  return a && b && problems.length === 0 ? { a, b } : { problems };
}

/**
 * What a comparison shows first: the latest version against the one before it, each over the time it was
 * the latest (at most MAX_PERIOD_DAYS); a workflow with one version, the last four weeks against the four before.
 */
function defaultSides(context: WorkflowContext, today: string): { a: Partial<AnalyticsFilter>; b: Partial<AnalyticsFilter> } {
  const [latest, before] = context.published;
  if (!latest || !before) {
    const b = { from: addDays(today, 1 - DEFAULT_PERIOD_DAYS), to: today };
    return { a: previousPeriod(b), b };
  }
  const bFrom = latest.day < today ? latest.day : today;
  const aTo = addDays(bFrom, -1) > before.day ? addDays(bFrom, -1) : before.day;
  const clamp = (from: string, to: string) => (from < addDays(to, 1 - MAX_PERIOD_DAYS) ? addDays(to, 1 - MAX_PERIOD_DAYS) : from);
  return {
    a: { version: before.version, from: clamp(before.day, aTo), to: aTo },
    b: { version: latest.version, from: clamp(bFrom, today), to: today },
  };
}

/** One-click comparisons: the last two versions; the last four weeks against the four before. */
function presets(context: WorkflowContext, today: string, base: string, f: Formatter) {
  const b: AnalyticsFilter = { from: addDays(today, 1 - DEFAULT_PERIOD_DAYS), to: today };
  const periods = new URLSearchParams([...filterParams(previousPeriod(b), 'a.'), ...filterParams(b, 'b.', false)]);
  return [
    ...(context.versions.length > 1 ? [{ href: base, label: f.t('analytics.compare.presets.versions') }] : []),
    { href: `${base}?${periods.toString()}`, label: f.t('analytics.compare.presets.periods') },
  ];
}

/** "Version 2 · 2026-10-01 – 2026-10-28". */
function describe(filter: AnalyticsFilter, f: Formatter): string {
  const version = filter.version === undefined ? f.t('analytics.filters.allVersions') : f.t('analytics.filters.versionN', { version: filter.version });
  return `${version} · ${f.t('analytics.periodOf', { from: filter.from, to: filter.to })}`;
}

function head(context: WorkflowContext, f: Formatter, base: string) {
  return {
    name: context.latest.name,
    key: context.key,
    action: base,
    dashboardHref: `/analytics/${encodeURIComponent(context.key)}`,
    lede: f.t('analytics.compare.lede'),
  };
}

/** The query's fields of one side, without their prefix, for the side's form. */
function sideFields(query: Record<string, unknown>, side: 'a' | 'b'): Record<string, unknown> {
  return Object.fromEntries(['version', 'from', 'to'].map((name) => [name, query[`${side}.${name}`]]));
}

/** The shared filters (channel, level, VIP) as a form of their own. */
function sharedForm(req: Request, context: WorkflowContext, f: Formatter, problems: FieldProblem[], filter?: AnalyticsFilter) {
  return filterForm('', [context.latest.workflow], req.query as Record<string, unknown>, f, {
    ...(filter ? { filter } : {}),
    problems: problems.filter((p) => !/^[ab]\./.test(p.field)),
  });
}

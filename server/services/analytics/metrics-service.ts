import type { Clock } from '../../shared/clock.js';
import { ValidationError } from '../../shared/errors.js';
import type { Workflow } from '../../engine/workflow.js';
import type { FactGrouping, FactSubset } from '../../data/analytics/metrics-sql.js';
import { weekStart } from '../../data/analytics/metrics-sql.js';
import type { MetricsReadModel, StepSums } from '../../data/analytics/metrics.query.js';
import type { FactRow, FactRowsReadModel } from '../../data/analytics/fact-rows.query.js';
import { ranksOf } from '../tickets/ticket-facts.js';
import { compareSets } from './comparison.js';
import { filterOf, kpisOf } from './kpis.js';
import { checkScope, type VersionsOf } from './scope.js';
import {
  DRILL_PAGE_DEFAULT,
  DRILL_PAGE_MAX,
  type Comparison,
  type Kpis,
  type Metrics,
  type MetricsQuery,
  type MetricsService,
  type StepStats,
  type TicketFactRow,
  type TicketsQuery,
} from './metrics-model.js';

export type { MetricsService } from './metrics-model.js';

/** What the metric engine is built from. */
export interface MetricsDependencies {
  clock: Clock;
  metrics: MetricsReadModel;
  rows: FactRowsReadModel;
  /** The latest version of a workflow, for its steps' order; undefined when unknown. */
  workflowOf: (key: string) => Promise<Workflow | undefined>;
  /** A workflow's versions, to refuse a query about one that does not exist. */
  versionsOf: VersionsOf;
}

const VARIANTS_TOP = 10;
const BOTTLENECKS_TOP = 5;
const REWORK_TOP = 20;
const STREAM_PAGE = 500;

/** The one metric engine of issue 15: every page, API call, report and export reads its figures here. */
export function createMetricsService(deps: MetricsDependencies): MetricsService {
  const groupsOf = async (q: MetricsQuery, grouping: FactGrouping) => {
    const sums = await deps.metrics.kpis(filterOf(q), grouping, deps.clock.now());
    return sums.map((s) => ({ key: grouping === 'week' ? weekStart(Number(s.key)) : s.key, kpis: kpisOf(s) }));
  };

  const stepsOf = async (q: MetricsQuery): Promise<StepStats[]> => {
    const [sums, workflow] = await Promise.all([deps.metrics.steps(filterOf(q)), q.workflow ? deps.workflowOf(q.workflow) : undefined]);
    const rank = workflow ? ranksOf(workflow) : new Map<string, number>();
    const order = (s: StepSums) => rank.get(s.step) ?? Number.MAX_SAFE_INTEGER;
    return sums.sort((a, b) => order(a) - order(b) || (a.step < b.step ? -1 : a.step > b.step ? 1 : 0)).map(stepStatsOf);
  };

  const inScope = (q: Pick<MetricsQuery, 'workflow' | 'version'>, versionField?: string) => checkScope(q, deps.versionsOf, versionField);

  const service: MetricsService = {
    async metrics(q) {
      await inScope(q);
      const filter = filterOf(q);
      const [overall, groups, weekly, steps, rework, variants] = await Promise.all([
        deps.metrics.kpis(filter, 'all', deps.clock.now()),
        q.groupBy ? groupsOf(q, q.groupBy) : Promise.resolve([]),
        groupsOf(q, 'week'),
        stepsOf(q),
        deps.metrics.rework(filter),
        deps.metrics.variants(filter, VARIANTS_TOP),
      ]);
      const byWaiting = [...steps].sort((a, b) => b.totalWaitingMs - a.totalWaitingMs).slice(0, BOTTLENECKS_TOP);
      const byBreachShare = steps
        .filter((s) => s.breachShare !== null)
        .sort((a, b) => b.breachShare! - a.breachShare!)
        .slice(0, BOTTLENECKS_TOP);
      const result: Metrics = {
        query: q,
        kpis: kpisOf(overall[0]),
        groups: groups.sort((a, b) => compareKeys(a.key, b.key)),
        steps,
        bottlenecks: { byWaiting, byBreachShare },
        rework: rework.sort((a, b) => b.count - a.count || compareKeys(a.from, b.from) || compareKeys(a.to, b.to)).slice(0, REWORK_TOP),
        variants: variants.map((v) => ({ path: v.path, tickets: v.tickets, meanResolutionMs: v.resolution.n ? v.resolution.sum / v.resolution.n : null })),
        weekly: weekly.map((w) => ({ week: w.key, kpis: w.kpis })).sort((a, b) => compareKeys(a.week, b.week)),
      };
      return result;
    },

    async compare(a, b): Promise<Comparison> {
      await Promise.all([inScope(a, 'versionA'), inScope(b, 'versionB')]);
      return compareSets(deps, a, b);
    },

    async tickets(q) {
      const limit = q.limit ?? DRILL_PAGE_DEFAULT;
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > DRILL_PAGE_MAX)
        throw new ValidationError(`limit must be from 1 to ${DRILL_PAGE_MAX}`, [{ field: 'limit', message: `must be from 1 to ${DRILL_PAGE_MAX}` }]);
      await inScope(q);
      const after = q.cursor === undefined ? 0 : cursorOf(q.cursor);
      const subset = subsetOfKpi(q.kpi);
      const now = deps.clock.now();
      const filter = filterOf(q);
      const [rows, total] = await Promise.all([deps.rows.page(filter, subset, now, after, limit + 1), deps.rows.count(filter, subset, now)]);
      const more = rows.length > limit;
      const page = rows.slice(0, limit).map((r) => ticketFactRow(r, now));
      return more ? { rows: page, next: cursorFor(page[page.length - 1]!.id), total } : { rows: page, total };
    },

    eachTicket(q) {
      const filter = filterOf(q);
      return {
        async *[Symbol.asyncIterator]() {
          const now = deps.clock.now();
          for (let after = 0; ;) {
            const page = await deps.rows.page(filter, 'tickets', now, after, STREAM_PAGE);
            for (const row of page) yield ticketFactRow(row, now);
            if (page.length < STREAM_PAGE) return;
            after = page[page.length - 1]!.id;
          }
        },
      };
    },

    async agents(q) {
      await inScope(q);
      const groups = await groupsOf(q, 'agent');
      return groups.map((g) => ({ agent: g.key, kpis: g.kpis })).sort((x, y) => compareKeys(x.agent, y.agent));
    },

    checkScope: (q) => inScope(q),
  };
  return service;

  function stepStatsOf(s: StepSums): StepStats {
    return {
      step: s.step,
      name: s.name,
      visits: s.visits,
      p50Ms: s.p50,
      p90Ms: s.p90,
      medianOverLimit: s.p50 !== null && s.slaMs ? s.p50 / s.slaMs : null,
      totalWaitingMs: s.totalMs,
      breachShare: s.limitN ? s.breachedN / s.limitN : null,
      slaMs: s.slaMs,
      waitingOnCustomer: s.waiting,
    };
  }
}

/** Group keys sort as numbers when both are, else as strings (code-unit order, the same everywhere). */
function compareKeys(a: string, b: string): number {
  const [x, y] = [Number(a), Number(b)];
  if (a !== '' && b !== '' && Number.isFinite(x) && Number.isFinite(y)) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}

const SUBSETS: Record<NonNullable<TicketsQuery['kpi']>, FactSubset> = {
  tickets: 'tickets',
  open: 'open',
  closed: 'closed',
  firstResponse: 'firstResponse',
  fcr: 'fcr',
  fcrCounted: 'fcrCounted',
  abandoned: 'abandoned',
  breached: 'breached',
  resolutionBreached: 'resolutionBreached',
  warned: 'warned',
  reopened: 'reopened',
  complaint: 'complaint',
  csat: 'csat',
  escalated: 'escalated',
};

function subsetOfKpi(kpi: TicketsQuery['kpi']): FactSubset {
  return SUBSETS[kpi ?? 'tickets'];
}

function cursorFor(id: number): string {
  return Buffer.from(`t${id}`).toString('base64url');
}

function cursorOf(cursor: string): number {
  const match = /^t(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new ValidationError('cursor is not one this server gave', [{ field: 'cursor', message: 'is not the `next` of an earlier page' }]);
  return Number(match[1]);
}

function ticketFactRow(r: FactRow, now: number): TicketFactRow {
  return {
    id: r.id,
    workflow: r.workflow,
    version: r.version,
    channel: r.channel,
    level: r.level,
    vip: r.vip,
    createdAt: r.createdAt,
    closedAt: r.closedAt,
    agents: r.agents,
    firstResponseMs: r.firstResponseMs,
    resolutionMs: r.resolutionMs,
    breaches: r.stepBreaches + (r.resolutionBreached ? 1 : 0),
    reopenings: r.reopenings,
    csat: r.csat,
    abandoned: r.abandoned,
    // Only once its window has passed does a ticket count for FCR.
    fcr: r.fcr !== null && r.fcrAt !== null && r.fcrAt <= now ? r.fcr : null,
    handleMs: r.handleMs,
    waitingMs: r.waitingMs,
    escalations: r.escalations,
    warnings: r.warnings,
    complaint: r.complaint,
  };
}

import type { z } from 'zod';
import { DEFAULT_ANALYTICS_SETTINGS } from '../../shared/config.js';
import { ValidationError } from '../../shared/errors.js';
import type { MetricsQuery } from '../../services/analytics/metrics-model.js';
import type { Sopflow } from '../../sopflow.js';
import { defineRoute, type ApiRoute } from '../http/route.js';
import { CompareQuerySchema, ComparisonSchema, MetricsQuerySchema, MetricsSchema, MetricTicketsQuerySchema, MetricTicketsSchema } from './analytics.schemas.js';

const DAY = 86_400_000;
const DEFAULT_DAYS = 30;
const NO_WORKFLOW = 'no such workflow, or the workflow has no such version';

type Filters = Pick<z.output<typeof MetricsQuerySchema>, 'workflow' | 'channel' | 'level' | 'vip' | 'agent' | 'team'>;

export function analyticsRoutes({ analytics, clock, config }: Sopflow): ApiRoute[] {
  const offsetMinutes = (config.analytics ?? DEFAULT_ANALYTICS_SETTINGS).weekUtcOffsetMinutes;
  /** An ISO date is 00:00 where the analytics day starts (ANALYTICS_UTC_OFFSET); a date-time says its own offset. */
  const instant = (text: string | undefined): number | undefined =>
    text === undefined ? undefined : text.length === 10 ? Date.parse(`${text}T00:00:00Z`) - offsetMinutes * 60_000 : Date.parse(text);
  const period = (fromText: string | undefined, toText: string | undefined, names: [string, string]) => {
    const to = instant(toText) ?? clock.now();
    const from = instant(fromText) ?? to - DEFAULT_DAYS * DAY;
    if (!(from < to)) throw new ValidationError(`${names[0]} must be before ${names[1]}`, [{ field: names[0], message: `must be before ${names[1]}` }]);
    return { from, to };
  };
  const filters = (q: Filters): Omit<MetricsQuery, 'from' | 'to'> => {
    const out: Omit<MetricsQuery, 'from' | 'to'> = {};
    if (q.workflow !== undefined) out.workflow = q.workflow;
    if (q.channel !== undefined) out.channel = q.channel;
    if (q.level !== undefined) out.level = q.level;
    if (q.vip !== undefined) out.vip = q.vip === 'true';
    if (q.agent !== undefined) out.agent = q.agent;
    if (q.team !== undefined) out.team = q.team;
    return out;
  };
  const metricsQuery = (q: z.output<typeof MetricsQuerySchema>): MetricsQuery => ({
    ...filters(q),
    ...period(q.from, q.to, ['from', 'to']),
    ...(q.version !== undefined ? { version: q.version } : {}),
    ...(q.groupBy !== undefined ? { groupBy: q.groupBy } : {}),
  });

  return [
    defineRoute({
      operationId: 'getMetrics',
      tag: 'analytics',
      method: 'get',
      path: '/api/metrics',
      summary: 'KPIs of the tickets created in [from, to): overall, per group and per week, step statistics, bottlenecks, rework and variants',
      access: 'manager',
      query: MetricsQuerySchema,
      responses: { 200: { description: 'the figures; every formula is in the README (KPI table)', schema: MetricsSchema } },
      errors: { 404: NO_WORKFLOW },
      async handle({ query }) {
        return { json: await analytics.metrics(metricsQuery(query)) };
      },
    }),
    defineRoute({
      operationId: 'compareMetrics',
      tag: 'analytics',
      method: 'get',
      path: '/api/metrics/compare',
      summary: 'Before/after: two versions or two periods side by side, the difference B − A with its 95% interval, and a verdict',
      access: 'manager',
      query: CompareQuerySchema,
      responses: { 200: { description: '"better" only when the interval excludes 0 on the good side', schema: ComparisonSchema } },
      errors: { 404: NO_WORKFLOW },
      async handle({ query }) {
        const side = (version: number | undefined, from: string | undefined, to: string | undefined, names: [string, string]): MetricsQuery => ({
          ...filters(query),
          ...period(from ?? query.from, to ?? query.to, names),
          ...(version !== undefined ? { version } : {}),
        });
        const a = side(query.versionA, query.fromA, query.toA, ['fromA', 'toA']);
        const b = side(query.versionB, query.fromB, query.toB, ['fromB', 'toB']);
        return { json: await analytics.compare(a, b) };
      },
    }),
    defineRoute({
      operationId: 'getMetricTickets',
      tag: 'analytics',
      method: 'get',
      path: '/api/metrics/tickets',
      summary: 'The tickets behind a figure, with their facts, by id from the cursor on; `total` equals the figure',
      access: 'manager',
      query: MetricTicketsQuerySchema,
      responses: { 200: { description: 'a page of tickets', schema: MetricTicketsSchema } },
      errors: { 404: NO_WORKFLOW },
      async handle({ query }) {
        const { kpi, cursor, limit } = query;
        return {
          json: await analytics.tickets({
            ...metricsQuery(query),
            ...(kpi !== undefined ? { kpi } : {}),
            ...(cursor !== undefined ? { cursor } : {}),
            ...(limit !== undefined ? { limit } : {}),
          }),
        };
      },
    }),
  ];
}

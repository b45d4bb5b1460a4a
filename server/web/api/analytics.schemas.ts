import { z } from 'zod';
import { chars } from '../../shared/text-schema.js';
import { DRILL_KPIS, DRILL_PAGE_MAX, GROUP_BYS, type Comparison, type Kpis, type Metrics, type TicketFactRow } from '../../services/analytics/metrics-model.js';
import { idSchema, pageLimitSchema } from '../http/ids.js';

// The figures of GET /api/metrics as the OpenAPI document describes them; each KPI's formula is in the README's KPI table.

const Ms = z.number().nullable().describe('business milliseconds; null when no ticket counts');
const Rate = z.number().nullable().describe('0..1; null when the denominator is 0');
const Count = z.number().int();
const Instant = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })])
  .describe('an ISO 8601 date (00:00 at ANALYTICS_UTC_OFFSET) or date-time with offset; tickets created in [from, to)');
const Text = chars({ min: 1, max: 320 });

const Filters = {
  workflow: chars({ min: 1, max: 200 }).optional().describe('workflow key; absent: every workflow'),
  channel: Text.optional(),
  level: Text.optional().describe('L1, L2, …; none for tickets without a level'),
  vip: z.enum(['true', 'false']).optional(),
  agent: Text.optional().describe('tickets this person closed a step of'),
  team: Text.optional().describe('tickets a step of this lane (step owner) was closed in by a person; none for steps without'),
};

export const MetricsQuerySchema = z.strictObject({
  ...Filters,
  version: idSchema('one version of the workflow; absent: all versions').optional(),
  from: Instant.optional().describe('default: 30 days before to'),
  to: Instant.optional().describe('default: now'),
  groupBy: z.enum(GROUP_BYS).optional(),
});

export const CompareQuerySchema = z.strictObject({
  ...Filters,
  versionA: idSchema('version of side A').optional(),
  versionB: idSchema('version of side B').optional(),
  from: Instant.optional().describe('both sides, unless fromA/fromB; default: 30 days before to'),
  to: Instant.optional().describe('both sides, unless toA/toB; default: now'),
  fromA: Instant.optional(),
  toA: Instant.optional(),
  fromB: Instant.optional(),
  toB: Instant.optional(),
});

export const MetricTicketsQuerySchema = MetricsQuerySchema.omit({ groupBy: true }).extend({
  kpi: z.enum(DRILL_KPIS).optional().describe('the subset behind a figure (default: tickets); the total equals the figure'),
  cursor: chars({ min: 1, max: 200 }).optional().describe('the `next` of the page before'),
  limit: pageLimitSchema(DRILL_PAGE_MAX, `page size, at most ${DRILL_PAGE_MAX} (default 50)`).optional(),
});

export const KpisSchema = z.object({
  tickets: Count,
  open: Count,
  closed: Count,
  firstResponseMs: z.object({ mean: Ms, p50: Ms, p90: Ms, n: Count }),
  ahtMs: z.object({ mean: Ms, n: Count }),
  resolutionMs: z.object({ mean: Ms, p50: Ms, p90: Ms, n: Count }),
  waitingOnCustomerMs: z.object({ mean: Ms, n: Count }),
  fcr: z.object({ rate: Rate, n: Count }),
  abandonment: z.object({ rate: Rate, n: Count }),
  slaCompliance: z.object({ ticket: Rate, step: Rate, ticketN: Count, stepN: Count }),
  warnings: Count,
  breaches: Count,
  escalations: Count,
  reopenRate: Rate,
  complaintRate: Rate,
  csat: z.object({ mean: z.number().nullable(), satisfiedShare: Rate, n: Count }),
}) satisfies z.ZodType<Kpis>;

const StepStatsSchema = z.object({
  step: z.string(),
  name: z.string(),
  visits: Count,
  p50Ms: Ms,
  p90Ms: Ms,
  medianOverLimit: z.number().nullable(),
  totalWaitingMs: z.number().describe('business time tickets spent in the step (ended visits)'),
  breachShare: Rate,
  slaMs: z.number().nullable(),
  waitingOnCustomer: z.boolean(),
});

const QueryEcho = z.object({}).passthrough().describe('the query as understood, times in epoch milliseconds');

export const MetricsSchema = z.object({
  query: QueryEcho,
  kpis: KpisSchema,
  groups: z.array(z.object({ key: z.string(), kpis: KpisSchema })),
  steps: z.array(StepStatsSchema),
  bottlenecks: z.object({ byWaiting: z.array(StepStatsSchema), byBreachShare: z.array(StepStatsSchema) }),
  rework: z.array(z.object({ from: z.string(), to: z.string(), count: Count })),
  variants: z.array(z.object({ path: z.array(z.string()), tickets: Count, meanResolutionMs: Ms })),
  weekly: z.array(z.object({ week: z.string().describe('Monday, YYYY-MM-DD'), kpis: KpisSchema })),
}) satisfies z.ZodType<Omit<Metrics, 'query'>>;

export const ComparisonSchema = z.object({
  a: QueryEcho,
  b: QueryEcho,
  rows: z.array(
    z.object({
      kpi: z.string(),
      statistic: z.enum(['mean', 'median', 'rate']).describe('what is compared: the mean or the median (nearest rank) of per-ticket values, or a rate'),
      method: z.enum(['welch-mean', 'bootstrap-median', 'two-proportion-newcombe']).describe('how ci95 is made (README, before/after)'),
      a: z.number().nullable(),
      b: z.number().nullable(),
      nA: Count,
      nB: Count,
      difference: z.number().nullable().describe('b − a'),
      ci95: z.tuple([z.number(), z.number()]).nullable().describe('95% interval of the difference, by `method`'),
      verdict: z.enum(['better', 'worse', 'no-evidence']),
    }),
  ),
}) satisfies z.ZodType<Omit<Comparison, 'a' | 'b'>>;

export const TicketFactRowSchema = z.object({
  id: Count,
  workflow: z.string(),
  version: Count,
  channel: z.string(),
  level: z.string().nullable(),
  vip: z.boolean(),
  createdAt: z.number(),
  closedAt: z.number().nullable(),
  agents: z.array(z.string()),
  firstResponseMs: Ms,
  resolutionMs: Ms,
  breaches: Count,
  reopenings: Count,
  csat: z.number().nullable(),
  abandoned: z.boolean(),
  fcr: z.boolean().nullable(),
  handleMs: Ms,
  waitingMs: Ms,
  escalations: Count,
  warnings: Count,
  complaint: z.boolean(),
}) satisfies z.ZodType<TicketFactRow>;

export const MetricTicketsSchema = z.object({ rows: z.array(TicketFactRowSchema), next: z.string().optional(), total: Count });

import { z } from 'zod';
import { chars } from '../../shared/text-schema.js';
import { idSchema, pageLimitSchema } from '../http/ids.js';
import { MetricTicketsQuerySchema } from './analytics.schemas.js';
import { REPORT_FREQUENCIES, REPORT_PAGE_MAX } from '../../services/reports/reports.js';

const Millis = z.number().describe('epoch milliseconds');
const Locale = z.enum(['zh-CN', 'en']);

export const SubscriptionSchema = z.object({
  id: z.number().int(),
  owner: z.string().describe("the subscriber's email"),
  workflow: z.string().nullable().describe('a workflow key; null: every workflow'),
  frequency: z.enum(REPORT_FREQUENCIES),
  timeZone: z.string().describe('the IANA zone days, weeks (Monday first) and months are counted in'),
  locale: Locale.describe("the workbook's language"),
  nextRunAt: Millis.describe('when the next report falls due: the end of the period it covers'),
  createdAt: Millis,
});

export const SubscriptionListSchema = z.object({ items: z.array(SubscriptionSchema) });

export const NewSubscriptionBody = z.strictObject({
  workflow: chars({ min: 1, max: 200 }).nullable().optional().describe('a workflow key; absent or null: every workflow'),
  frequency: z.enum(REPORT_FREQUENCIES),
  timeZone: chars({ max: 64 }).optional().describe('an IANA time zone; default REPORT_TIME_ZONE (Asia/Shanghai)'),
  locale: Locale.optional().describe("the workbook's language; default the caller's, else zh-CN"),
});

export const SubscriptionParams = z.object({ id: idSchema('subscription id') });
export const ReportParams = z.object({ id: idSchema('report id') });

export const ReportSchema = z.object({
  id: z.number().int(),
  subscriptionId: z.number().int().nullable().describe('null once the subscription was deleted (its reports stay)'),
  owner: z.string(),
  workflow: z.string().nullable(),
  frequency: z.enum(REPORT_FREQUENCIES),
  timeZone: z.string(),
  locale: Locale,
  period: z.object({ from: Millis, to: Millis, label: z.string().describe('2026-11-23, 2026-W48 or 2026-11') }).describe('tickets created in [from, to)'),
  tickets: z.number().int().describe('per-ticket rows in the workbook'),
  sizeBytes: z.number().int(),
  createdAt: Millis,
  completedAt: Millis,
  download: z.string().describe('where the workbook downloads from'),
});

export const ReportListQuery = z.strictObject({
  cursor: idSchema('the `next` of the previous page').optional(),
  limit: pageLimitSchema(REPORT_PAGE_MAX, `at most ${REPORT_PAGE_MAX}; default 50`).optional(),
});

export const ReportListSchema = z.object({ items: z.array(ReportSchema), next: z.string().optional() });

/** The filters of `GET /api/metrics/tickets` (one parsing of a metrics query for both), without paging, and the workbook's language. */
export const TicketExportQuery = MetricTicketsQuerySchema.omit({ cursor: true, limit: true }).extend({
  lang: Locale.optional().describe("the workbook's language; default the caller's"),
});

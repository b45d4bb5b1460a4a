import type { z } from 'zod';
import type { MetricsQuery } from '../../services/analytics/metrics-model.js';
import type { StoredReport } from '../../services/reports/reports.js';
import { DEFAULT_ANALYTICS_SETTINGS } from '../../shared/config.js';
import { ValidationError } from '../../shared/errors.js';
import type { Sopflow } from '../../sopflow.js';
import { defineRoute, XLSX_TYPE, type ApiRoute } from '../http/route.js';
import {
  NewSubscriptionBody,
  ReportListQuery,
  ReportListSchema,
  ReportParams,
  SubscriptionListSchema,
  SubscriptionParams,
  SubscriptionSchema,
  TicketExportQuery,
} from './reports.schemas.js';

const DAY = 86_400_000;
/** As `GET /api/metrics`: without `from`, the 30 days before `to`. */
const DEFAULT_DAYS = 30;

function reportView(report: StoredReport) {
  return { ...report, download: `/api/reports/${report.id}/download` };
}

/** Scheduled reports (`/api/reports…`) and the per-ticket workbook (`/api/metrics/tickets.xlsx`). */
export function reportRoutes({ reports, clock, config }: Sopflow): ApiRoute[] {
  const offsetMinutes = (config.analytics ?? DEFAULT_ANALYTICS_SETTINGS).weekUtcOffsetMinutes;
  /** As `GET /api/metrics` reads them: a date is 00:00 where the analytics day starts (ANALYTICS_UTC_OFFSET), a date-time says its offset. */
  const instant = (text: string | undefined): number | undefined =>
    text === undefined ? undefined : text.length === 10 ? Date.parse(`${text}T00:00:00Z`) - offsetMinutes * 60_000 : Date.parse(text);
  const ticketsQuery = (q: z.output<typeof TicketExportQuery>): MetricsQuery => {
    const to = instant(q.to) ?? clock.now();
    const from = instant(q.from) ?? to - DEFAULT_DAYS * DAY;
    if (!(from < to)) throw new ValidationError('from must be before to', [{ field: 'from', message: 'must be before to' }]);
    const query: MetricsQuery = { from, to };
    if (q.workflow !== undefined) query.workflow = q.workflow;
    if (q.version !== undefined) query.version = q.version;
    if (q.channel !== undefined) query.channel = q.channel;
    if (q.level !== undefined) query.level = q.level;
    if (q.vip !== undefined) query.vip = q.vip === 'true';
    if (q.agent !== undefined) query.agent = q.agent;
    if (q.team !== undefined) query.team = q.team;
    return query;
  };
  return [
    defineRoute({
      operationId: 'listReportSubscriptions',
      tag: 'reports',
      method: 'get',
      path: '/api/reports/subscriptions',
      summary: "Every manager's report subscriptions, oldest first",
      access: 'manager',
      responses: { 200: { description: 'the subscriptions', schema: SubscriptionListSchema } },
      async handle() {
        return { json: { items: await reports.subscriptions() } };
      },
    }),
    defineRoute({
      operationId: 'createReportSubscription',
      tag: 'reports',
      method: 'post',
      path: '/api/reports/subscriptions',
      summary: 'Subscribe to a daily, weekly or monthly report of a workflow (or every workflow); the first covers the period running now',
      access: 'manager',
      body: NewSubscriptionBody,
      responses: { 201: { description: 'the subscription', schema: SubscriptionSchema } },
      async handle({ body, user }) {
        const { workflow, frequency, timeZone, locale } = body;
        const subscription = await reports.subscribe(
          { frequency, workflow: workflow ?? null, ...(timeZone !== undefined ? { timeZone } : {}), ...(locale ? { locale } : {}) },
          user,
        );
        return { status: 201, json: subscription };
      },
    }),
    defineRoute({
      operationId: 'deleteReportSubscription',
      tag: 'reports',
      method: 'delete',
      path: '/api/reports/subscriptions/:id',
      summary: 'Stop a subscription (its owner or an admin); the reports already made stay',
      access: 'manager',
      params: SubscriptionParams,
      responses: { 204: { description: 'deleted' } },
      errors: { 404: 'no subscription with this id' },
      async handle({ params, user }) {
        await reports.unsubscribe(params.id, user);
        return { status: 204, json: null };
      },
    }),
    defineRoute({
      operationId: 'listReports',
      tag: 'reports',
      method: 'get',
      path: '/api/reports',
      summary: 'Reports made, newest first (kept REPORT_RETENTION_DAYS); pass `next` back as `cursor`',
      access: 'manager',
      query: ReportListQuery,
      responses: { 200: { description: 'a page of reports', schema: ReportListSchema } },
      async handle({ query }) {
        const page = await reports.list({ ...(query.cursor ? { before: query.cursor } : {}), ...(query.limit ? { limit: query.limit } : {}) });
        return { json: { items: page.items.map(reportView), ...(page.next !== undefined ? { next: String(page.next) } : {}) } };
      },
    }),
    defineRoute({
      operationId: 'downloadReport',
      tag: 'reports',
      method: 'get',
      path: '/api/reports/:id/download',
      summary: "A report's workbook: KPI figures with their definitions, bottlenecks, one row per ticket",
      access: 'manager',
      params: ReportParams,
      responses: { 200: { description: 'the workbook', file: XLSX_TYPE } },
      errors: { 404: 'no report with this id' },
      async handle({ params }) {
        const report = await reports.report(params.id);
        return { file: { contentType: XLSX_TYPE, filename: reports.fileName(report), write: (output) => reports.download(report.id, output) } };
      },
    }),
    defineRoute({
      operationId: 'exportTicketsWorkbook',
      tag: 'reports',
      method: 'get',
      path: '/api/metrics/tickets.xlsx',
      summary:
        'One row per ticket of the filters of GET /api/metrics/tickets (channel, level, VIP, agents, first response, resolution, breaches, reopenings, CSAT, every timer), streamed',
      access: 'manager',
      query: TicketExportQuery,
      responses: { 200: { description: 'the workbook', file: XLSX_TYPE } },
      errors: { 404: 'no such workflow, or the workflow has no such version' },
      async handle({ query, locale }) {
        const name = `${query.workflow ?? 'tickets'} ${new Date(clock.now()).toISOString().slice(0, 10)}.xlsx`;
        const workbook = await reports.ticketsWorkbook(ticketsQuery(query), query.lang ?? locale, query.kpi);
        return { file: { contentType: XLSX_TYPE, filename: name, write: async (output) => void (await workbook.write(output)) } };
      },
    }),
  ];
}

import type { MetricsQuery } from '../../services/analytics/metrics-model.js';
import { instantOf } from '../../services/reports/periods.js';
import type { StoredReport } from '../../services/reports/reports.js';
import { ValidationError } from '../../shared/errors.js';
import { isLocale, type Locale } from '../../shared/i18n.js';
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

function reportView(report: StoredReport) {
  return { ...report, download: `/api/reports/${report.id}/download` };
}

/** Scheduled reports (`/api/reports…`) and the per-ticket workbook (`/api/metrics/tickets.xlsx`). */
export function reportRoutes({ reports, clock }: Sopflow): ApiRoute[] {
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
      summary: 'One row per ticket of the filter (channel, level, VIP, agents, first response, resolution, breaches, reopenings, CSAT, every timer), streamed',
      access: 'manager',
      query: TicketExportQuery,
      responses: { 200: { description: 'the workbook', file: XLSX_TYPE } },
      async handle({ query, user }) {
        const zone = reports.settings.timeZone;
        const from = instantOf(query.from, zone);
        const to = instantOf(query.to, zone);
        const problems = [
          ...(from === undefined ? [{ field: 'from', message: `"${query.from}" is not a date` }] : []),
          ...(to === undefined ? [{ field: 'to', message: `"${query.to}" is not a date` }] : []),
        ];
        if (problems.length) throw new ValidationError('the query string is not valid', problems);
        const metricsQuery: MetricsQuery = {
          from: from!,
          to: to!,
          ...(query.workflow ? { workflow: query.workflow } : {}),
          ...(query.version ? { version: query.version } : {}),
          ...(query.channel ? { channel: query.channel } : {}),
          ...(query.level ? { level: query.level } : {}),
          ...(query.vip ? { vip: query.vip === 'true' } : {}),
          ...(query.agent ? { agent: query.agent } : {}),
        };
        const locale: Locale = query.lang ?? (isLocale(user.locale) ? user.locale : 'zh-CN');
        const name = `${query.workflow ?? 'tickets'} ${new Date(clock.now()).toISOString().slice(0, 10)}.xlsx`;
        return { file: { contentType: XLSX_TYPE, filename: name, write: async (output) => void (await reports.exportTickets(metricsQuery, locale, output, query.kpi)) } };
      },
    }),
  ];
}

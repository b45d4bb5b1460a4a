import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Clock } from '../../shared/clock.js';
import { DEFAULT_REPORT_SETTINGS, isTimeZone, type ReportSettings } from '../../shared/report-settings.js';
import { AppError, NotFoundError, ValidationError, type FieldProblem } from '../../shared/errors.js';
import { isLocale, type Formatter, type Locale } from '../../shared/i18n.js';
import {
  REPORT_FREQUENCIES,
  type ClaimedSubscription,
  type ReportFrequency,
  type ReportPeriod,
  type StoredReport,
  type Subscription,
} from '../../data/reports/model.js';
import type { ReportRepository } from '../../data/reports/report-repository.js';
import type { TicketTimersReadModel } from '../../data/reports/ticket-timers.query.js';
import type { DrillKpi, MetricsQuery, MetricsService, TicketFactRow } from '../analytics/metrics-model.js';
import { hasRole, type User } from '../users/users.js';
import type { WorkflowLibrary } from '../workflows/workflow-library.js';
import { ChunkSink } from './chunk-sink.js';
import { firstRunAt } from './periods.js';
import { ReportRunner, type RunResult } from './report-runner.js';
import { writeReportWorkbook, writeTicketWorkbook } from './report-workbook.js';

export { REPORT_FREQUENCIES, type ReportFrequency, type StoredReport, type Subscription } from '../../data/reports/model.js';

export interface NewSubscriptionInput {
  /** A workflow key; absent or null: every workflow. */
  workflow?: string | null;
  frequency: ReportFrequency;
  /** Default REPORT_TIME_ZONE. */
  timeZone?: string;
  /** The workbook's language; default the owner's, else 简体中文. */
  locale?: Locale;
}

/** The most reports one page of the list holds. */
export const REPORT_PAGE_MAX = 100;
const DAY_MS = 86_400_000;
/** Tickets read per page of a drill-down export: the metric engine's largest page. */
const DRILL_PAGE = 500;

export interface ReportsDependencies {
  repository: ReportRepository;
  timers: TicketTimersReadModel;
  analytics: MetricsService;
  workflows: WorkflowLibrary;
  clock: Clock;
  formatter: (locale: Locale) => Formatter;
  settings?: ReportSettings;
  onError?: (error: unknown) => void;
}

/**
 * Scheduled reports (issue 15): managers subscribe to a daily, weekly or monthly workbook of one workflow's
 * figures (or every workflow's); the runner makes each once, when its period ends, and the reports are kept
 * for REPORT_RETENTION_DAYS and downloaded. The per-ticket export streams the same ticket rows on demand.
 */
export class Reports {
  readonly settings: ReportSettings;
  private readonly runner: ReportRunner;

  constructor(private readonly deps: ReportsDependencies) {
    this.settings = deps.settings ?? DEFAULT_REPORT_SETTINGS;
    this.runner = new ReportRunner(deps.repository, (subscription, period, store) => this.make(subscription, period, store), deps.clock, {
      intervalMs: this.settings.intervalMs,
      leaseMs: this.settings.leaseMs,
      retentionMs: this.settings.retentionDays * DAY_MS,
      ...(deps.onError ? { onError: deps.onError } : {}),
    });
  }

  /** Starts the runner: it makes reports as they fall due, until `stop`. */
  start(): void {
    this.runner.start();
  }

  stop(): Promise<void> {
    return this.runner.stop();
  }

  /** Makes every report due now; what tests call on a manual clock. */
  runDue(): Promise<RunResult> {
    return this.runner.runDue();
  }

  async subscribe(input: NewSubscriptionInput, owner: User): Promise<Subscription> {
    const problems: FieldProblem[] = [];
    const timeZone = input.timeZone?.trim() || this.settings.timeZone;
    if (!(REPORT_FREQUENCIES as readonly string[]).includes(input.frequency))
      problems.push({
        field: 'frequency',
        message: `must be one of ${REPORT_FREQUENCIES.join(', ')}`,
        code: 'frequencyUnknown',
        values: { value: input.frequency },
      });
    if (!isTimeZone(timeZone))
      problems.push({ field: 'timeZone', message: `"${timeZone}" is not an IANA time zone`, code: 'timeZoneUnknown', values: { value: timeZone } });
    const workflow = input.workflow?.trim() || null;
    if (workflow !== null && !(await this.isWorkflow(workflow)))
      problems.push({ field: 'workflow', message: `no workflow "${workflow}"`, code: 'workflowUnknown', values: { value: workflow } });
    if (problems.length) throw new ValidationError(`the subscription is not valid: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`, problems);
    const now = this.deps.clock.now();
    return this.deps.repository.createSubscription({
      owner: owner.email,
      workflow,
      frequency: input.frequency,
      timeZone,
      locale: input.locale ?? (isLocale(owner.locale) ? owner.locale : 'zh-CN'),
      nextRunAt: firstRunAt(input.frequency, now, timeZone),
      createdAt: now,
    });
  }

  subscriptions(): Promise<Subscription[]> {
    return this.deps.repository.subscriptions();
  }

  /** Its owner or an admin deletes a subscription; the reports made for it stay. */
  async unsubscribe(id: number, user: User): Promise<void> {
    const subscription = await this.deps.repository.subscription(id);
    if (!subscription) throw new NotFoundError(`no report subscription ${id}`);
    if (subscription.owner !== user.email && !hasRole(user, 'admin'))
      throw new AppError('forbidden', `subscription ${id} is ${subscription.owner}'s: only they or an admin may delete it`, { role: 'admin' });
    await this.deps.repository.deleteSubscription(id);
  }

  /** Complete reports, newest first; pass `next` back as `before` for the next page. */
  async list(page: { before?: number; limit?: number } = {}): Promise<{ items: StoredReport[]; next?: number }> {
    const limit = Math.min(Math.max(page.limit ?? 50, 1), REPORT_PAGE_MAX);
    const items = await this.deps.repository.reports({ ...(page.before !== undefined ? { before: page.before } : {}), limit: limit + 1 });
    const more = items.length > limit;
    return { items: items.slice(0, limit), ...(more ? { next: items[limit - 1]!.id } : {}) };
  }

  async report(id: number): Promise<StoredReport> {
    const report = await this.deps.repository.report(id);
    if (!report) throw new NotFoundError(`no report ${id}`);
    return report;
  }

  /** Writes a stored report's workbook to `output`, a chunk at a time, waiting while the reader is behind. */
  async download(id: number, output: Writable): Promise<void> {
    await this.report(id);
    for await (const chunk of this.deps.repository.chunks(id)) {
      if (output.destroyed) throw new Error('the reader of the report went away before it was complete');
      if (!output.write(chunk)) await Promise.race([once(output, 'drain'), once(output, 'close')]);
    }
    output.end();
  }

  /** "客户咨询处理 日报 2026-11-23.xlsx": what a report downloads as. */
  fileName(report: StoredReport): string {
    const f = this.deps.formatter(report.locale);
    return `${report.workflow ?? f.t('reports.allWorkflows')} ${f.t(`reports.frequencies.${report.frequency}`)} ${report.period.label}.xlsx`.replace(
      /[\\/:*?"<>|\u0000-\u001f]/g,
      '_',
    );
  }

  /**
   * The per-ticket workbook of `query` (one row per ticket, every timer of it), checked before anything is
   * written (an unknown workflow or version is a NotFoundError) and then streamed to an output in flat memory;
   * the same rows a report's ticket sheet holds. With `kpi`, only the tickets behind that number (a
   * drill-down's). `write` answers how many tickets it wrote.
   */
  async ticketsWorkbook(query: MetricsQuery, locale: Locale, kpi?: DrillKpi): Promise<{ write(output: Writable): Promise<number> }> {
    await this.deps.analytics.checkScope(query);
    return {
      write: (output) => {
        const rows = kpi === undefined || kpi === 'tickets' ? this.deps.analytics.eachTicket(query) : this.drilled(query, kpi);
        return writeTicketWorkbook({ rows, timers: this.deps.timers, formatter: this.deps.formatter(locale), zone: this.settings.timeZone }, output);
      },
    };
  }

  /** The tickets behind one number, a page at a time. */
  private async *drilled(query: MetricsQuery, kpi: DrillKpi): AsyncGenerator<TicketFactRow> {
    let cursor: string | undefined;
    do {
      const page = await this.deps.analytics.tickets({ ...query, kpi, limit: DRILL_PAGE, ...(cursor ? { cursor } : {}) });
      yield* page.rows;
      cursor = page.next;
    } while (cursor);
  }

  /** One subscription's report for `period`, into chunks. */
  private async make(subscription: ClaimedSubscription, period: ReportPeriod, store: (seq: number, bytes: Buffer) => Promise<void>) {
    const sink = new ChunkSink(store);
    const query: MetricsQuery = { from: period.from, to: period.to, ...(subscription.workflow ? { workflow: subscription.workflow } : {}) };
    const tickets = await writeReportWorkbook(
      {
        subscription,
        period,
        metrics: await this.deps.analytics.metrics(query),
        rows: this.deps.analytics.eachTicket(query),
        timers: this.deps.timers,
        formatter: this.deps.formatter(subscription.locale),
        zone: subscription.timeZone,
        generatedAt: this.deps.clock.now(),
      },
      sink,
    );
    return { tickets, sizeBytes: sink.size };
  }

  private async isWorkflow(key: string): Promise<boolean> {
    try {
      await this.deps.workflows.latest(key);
      return true;
    } catch (error) {
      if (error instanceof NotFoundError) return false;
      throw error;
    }
  }
}

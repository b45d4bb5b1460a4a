import { hostname } from 'node:os';
import type { Store as RateLimitStore } from 'express-rate-limit';
import type { Store as SessionStore } from 'express-session';
import { systemClock, type Clock } from './shared/clock.js';
import { conditionLimitsOf, DEFAULT_ANALYTICS_SETTINGS, DEFAULT_AUDIT_PAGE_MAX, inputLimitsOf, routingConfigOf, type Config } from './shared/config.js';
import type { Logger } from './shared/logger.js';
import { openDatabase, type Database } from './data/database.js';
import { KnexCustomersReadModel } from './data/read-models/customers.query.js';
import { KnexNotificationsReadModel } from './data/read-models/notifications.query.js';
import { KnexQueueReadModel } from './data/read-models/queue.query.js';
import { KnexLiveWorkReadModel } from './data/read-models/live-work.query.js';
import { KnexMetricsReadModel } from './data/analytics/metrics.query.js';
import { KnexFactRowsReadModel } from './data/analytics/fact-rows.query.js';
import { ensureRollups } from './data/analytics/rollup-maintenance.js';
import { CustomerHistory } from './services/inbox/customer-history.js';
import { Inbox } from './services/inbox/inbox.js';
import { TicketQueue } from './services/inbox/queue.js';
import { KnexExecutionTableRepository } from './data/execution-tables/knex-repository.js';
import { DatabaseRateLimitStore } from './data/rate-limit-store.js';
import { createSessionStore } from './data/sessions/session-store.js';
import { KnexUserRepository } from './data/users/user-repository.js';
import { KnexAuditRepository } from './data/audit/audit-repository.js';
import { AuditLog } from './services/audit/audit.js';
import { People } from './services/users/people.js';
import { KnexWorkflowRepository } from './data/workflows/workflow-repository.js';
import { ExecutionTables } from './services/execution-tables/execution-tables.js';
import { KpiMeasurer } from './services/execution-tables/kpi-measure.js';
import { loadExecutionTableTemplates, TEMPLATES_DIR, type ExecutionTableTemplates } from './services/execution-tables/templates.js';
import { createBusinessTime } from './engine/time/business-calendar.js';
import { BUILT_IN_CALENDARS } from './engine/time/calendars.js';
import { ticketRepository } from './data/tickets/ticket-repository.js';
import { timerRepository } from './data/timers/timer-repository.js';
import { TicketRuntime } from './services/tickets/ticket-runtime.js';
import { TimerScheduler } from './services/timers/timer-scheduler.js';
import { incidentRepository } from './data/incidents/incident-repository.js';
import { Incidents } from './services/incidents/incidents.js';
import { LiveWork } from './services/incidents/live-work.js';
import { Users } from './services/users/users.js';
import { WorkflowChecks } from './services/workflows/workflow-checks.js';
import { createMetricsService, type MetricsService } from './services/analytics/metrics-service.js';
import { KnexReportRepository } from './data/reports/report-repository.js';
import { KnexTicketTimersReadModel } from './data/reports/ticket-timers.query.js';
import { Reports } from './services/reports/reports.js';
import { createI18n, LOCALES_DIR } from './shared/i18n.js';
import { DEFAULT_REPORT_SETTINGS } from './shared/report-settings.js';
import { WorkflowLibrary } from './services/workflows/workflow-library.js';
import { KnexWorkflowDraftRepository } from './data/workflows/draft-repository.js';
import { KnexWorkflowUsageReadModel } from './data/read-models/workflow-usage.query.js';
import { WorkflowDrafts } from './services/workflows/workflow-drafts.js';
import { WorkflowOverview } from './services/workflows/workflow-overview.js';
import { migrationRepository } from './data/tickets/migration-repository.js';
import { WorkflowMigrations } from './services/workflows/migration.js';
import { RoutingRepository } from './data/routing/routing-repository.js';
import { RuleRepository } from './data/routing/rule-repository.js';
import { WebhookRepository } from './data/routing/webhook-repository.js';
import { Routing } from './services/routing/routing.js';
import { Webhooks } from './services/routing/webhooks.js';
import { KnexEventLogReadModel } from './data/analytics/event-log-read-model.js';
import { SignalRepository } from './data/signals/signal-repository.js';
import { TicketMessages } from './services/tickets/ticket-messages.js';
import { Signals } from './services/signals/signals.js';
import { EventLog } from './services/analytics/event-log.js';

/** What the web layer needs of the database itself, handed over here so that web never imports the data layer. */
export interface System {
  readonly database: 'sqlite' | 'pg';
  /** Resolves once the database has answered: the health check. */
  ping(): Promise<void>;
  /** express-session's store, in the database. One per app: it sweeps expired sessions on a timer. */
  sessionStore(logger: Logger): SessionStore;
  /** express-rate-limit's counters under `prefix`, in the database: every server process counts against one limit. */
  rateLimitStore(prefix: string): RateLimitStore;
}

/** Everything SOPflow is made of, wired once: what the server, the CLI, the demo, tests and benchmarks open. */
export interface Sopflow {
  config: Config;
  clock: Clock;
  db: Database;
  workflows: WorkflowLibrary;
  /** The managers' shared drafts of workflows: saved, checked, published. */
  drafts: WorkflowDrafts;
  /** Every workflow with its versions and the tickets running on each. */
  workflowOverview: WorkflowOverview;
  /** Waiting tickets moved to a later version of their workflow, after a dry run that replays their history. */
  migrations: WorkflowMigrations;
  tickets: TicketRuntime;
  /** Messages to one ticket (`POST /api/tickets/:id/messages`), and signals one ticket at a time for `signals`. */
  messages: TicketMessages;
  /** Signals to every waiting ticket, delivered in batches by a lease holder (started with the server). */
  signals: Signals;
  users: Users;
  /** People management (admin): add, deactivate, roles, lanes, passwords, tokens, each change audited. */
  people: People;
  /** Who changed which person or token, when. */
  audit: AuditLog;
  scheduler: TimerScheduler;
  /** Timers the engine refused to fire, held for a manager to retry. */
  incidents: Incidents;
  /** Open breaches, escalations and failed timers on open tickets: the managers' list of what needs them now. */
  liveWork: LiveWork;
  /** The starting plans of `templates/`, loaded (and checked) once. */
  templates: ExecutionTableTemplates;
  executionTables: ExecutionTables;
  /** The agents' queue, their reminders and escalations, and a customer's tickets: what the pages read. */
  queue: TicketQueue;
  inbox: Inbox;
  customers: CustomerHistory;
  /** The step log as a process-mining event log (XES, CSV), streamed. */
  eventLog: EventLog;
  /** The one metric engine (issue 15): KPIs, comparisons and the tickets behind every number. */
  analytics: MetricsService;
  /** Scheduled reports (subscriptions, the runner that makes them, the stored workbooks) and the per-ticket export. */
  reports: Reports;
  /** Classification at intake, assignment by skill, level and load, presence; its sweep starts with the server. */
  routing: Routing;
  /** Outgoing webhooks and their delivery worker (started with the server). */
  webhooks: Webhooks;
  system: System;
  close(): Promise<void>;
}

export interface OpenOptions {
  clock?: Clock;
  onError?: (error: unknown) => void;
  /** A simulation on its own clock (the demo): the timers it arms are fired by its own scheduler only, until released. */
  simulation?: boolean;
  /** Told of a scheduled report that could not be made (it is tried again when its claim lapses). */
  onReportError?: (error: unknown) => void;
  /**
   * The workbook reader thread's module, built as JavaScript (the tests build server/ once per run). Without it
   * each new reader thread loads tsx and runs the TypeScript sources, as the server does.
   */
  workbookWorker?: URL;
}

export async function openSopflow(config: Config, options: OpenOptions = {}): Promise<Sopflow> {
  const clock = options.clock ?? systemClock;
  const instance = `${options.simulation ? 'simulation:' : ''}${hostname()}:${process.pid}`;
  const db = await openDatabase(config.database);
  const calendars = BUILT_IN_CALENDARS;
  const analytics = config.analytics ?? DEFAULT_ANALYTICS_SETTINGS;
  // The dashboard's daily rollups count days at the weeks' offset: built on the first start, or again when it changed.
  await ensureRollups(db, analytics.weekUtcOffsetMinutes, clock.now()).catch(async (error: unknown) => {
    await db.close();
    throw error;
  });
  const conditions = conditionLimitsOf(config);
  const checks = new WorkflowChecks(new Set(Object.keys(calendars)), config.workflowLimits, { conditions });
  const audit = new AuditLog(new KnexAuditRepository(db), clock, config.auditPageMax ?? DEFAULT_AUDIT_PAGE_MAX);
  const workflows = new WorkflowLibrary(new KnexWorkflowRepository(db), clock, checks, audit);
  const engine = { businessTime: createBusinessTime(calendars), conditionTimeoutMs: conditions.timeoutMs };
  const tickets = new TicketRuntime(
    ticketRepository(db),
    workflows,
    clock,
    engine,
    new Set(Object.keys(calendars)),
    options.simulation ? instance : undefined,
    inputLimitsOf(config),
    { fcrWindowDays: analytics.fcrWindowDays },
  );
  const messages = new TicketMessages(tickets, engine, inputLimitsOf(config));
  const signals = new Signals(new SignalRepository(db), messages, workflows, clock, {
    instance,
    intervalMs: config.schedulerIntervalMs,
    ...(config.signalBatchSize !== undefined ? { batchSize: config.signalBatchSize } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
  });
  const incidents = new Incidents(incidentRepository(db), clock);
  const scheduler = new TimerScheduler(timerRepository(db), tickets, clock, {
    instance,
    incidents,
    intervalMs: config.schedulerIntervalMs,
    ...(options.onError ? { onError: options.onError } : {}),
  });
  const userRepository = new KnexUserRepository(db);
  const users = new Users(userRepository, clock, config.passwordHashCost, config.passwordRule);
  const templates = loadExecutionTableTemplates(TEMPLATES_DIR);
  const metrics = createMetricsService({
    clock,
    metrics: new KnexMetricsReadModel(db, analytics.weekUtcOffsetMinutes),
    rows: new KnexFactRowsReadModel(db),
    workflowOf: (key) =>
      workflows.latest(key).then(
        (v) => v.workflow,
        () => undefined,
      ),
    versionsOf: (key) => workflows.versions(key),
  });
  const reportSettings = config.reports ?? DEFAULT_REPORT_SETTINGS;
  const reports = new Reports({
    repository: new KnexReportRepository(db),
    timers: new KnexTicketTimersReadModel(db),
    analytics: metrics,
    workflows,
    clock,
    // The zone every page shows times in too (web/app.ts): one catalog, loaded once.
    formatter: createI18n(LOCALES_DIR, { timeZone: reportSettings.timeZone }).formatter,
    settings: reportSettings,
    ...(options.onReportError ? { onError: options.onReportError } : {}),
  });
  const measurer = new KpiMeasurer(metrics, clock, { windowDays: reportSettings.kpiWindowDays, timeZone: reportSettings.timeZone });
  const executionTables = new ExecutionTables(
    new KnexExecutionTableRepository(db),
    clock,
    templates,
    users,
    workflows,
    measurer,
    config.workbookLimits,
    options.workbookWorker,
  );
  const routingConfig = routingConfigOf(config);
  const routing = new Routing(new RoutingRepository(db), new RuleRepository(db), audit, clock, routingConfig, options.onError);
  tickets.listen(routing);
  const webhooks = new Webhooks(new WebhookRepository(db), clock, routingConfig, instance, options.onError);
  return {
    config,
    clock,
    db,
    workflows,
    drafts: new WorkflowDrafts(new KnexWorkflowDraftRepository(db), workflows, checks, audit, clock),
    workflowOverview: new WorkflowOverview(workflows, new KnexWorkflowUsageReadModel(db)),
    migrations: new WorkflowMigrations(migrationRepository(db), workflows, audit, clock, engine, {
      ...(config.migrationBatchSize !== undefined ? { batchSize: config.migrationBatchSize } : {}),
      ...(config.migrationApplyMax !== undefined ? { applyMax: config.migrationApplyMax } : {}),
    }),
    tickets,
    messages,
    signals,
    users,
    people: new People(userRepository, users, audit, clock),
    audit,
    scheduler,
    incidents,
    liveWork: new LiveWork(new KnexLiveWorkReadModel(db)),
    templates,
    executionTables,
    queue: new TicketQueue(new KnexQueueReadModel(db), workflows, clock),
    inbox: new Inbox(new KnexNotificationsReadModel(db), clock, users),
    customers: new CustomerHistory(new KnexCustomersReadModel(db)),
    eventLog: new EventLog(new KnexEventLogReadModel(db), workflows, { dayOffsetMinutes: analytics.weekUtcOffsetMinutes }),
    analytics: metrics,
    reports,
    routing,
    webhooks,
    system: {
      database: db.client,
      ping: () => db.ping(),
      sessionStore: (logger) => createSessionStore(db, logger),
      rateLimitStore: (prefix) => new DatabaseRateLimitStore(db, clock, prefix),
    },
    async close() {
      await Promise.all([scheduler.stop(), reports.stop(), signals.stop()]);
      await Promise.all([routing.stop(), webhooks.stop()]);
      await tickets.settled();
      await executionTables.close();
      await db.close();
    },
  };
}

import { hostname } from 'node:os';
import { systemClock, type Clock } from './shared/clock.js';
import type { Config } from './shared/config.js';
import { openDatabase, type Database } from './data/database.js';
import { ExecutionTables } from './services/execution-tables/execution-tables.js';
import { loadExecutionTableTemplates, TEMPLATES_DIR, type ExecutionTableTemplates } from './services/execution-tables/templates.js';
import { createBusinessTime } from './engine/time/business-calendar.js';
import { BUILT_IN_CALENDARS } from './engine/time/calendars.js';
import { TicketRuntime } from './services/tickets/ticket-runtime.js';
import { TimerScheduler } from './services/timers/timer-scheduler.js';
import { Users } from './services/users/users.js';
import { WorkflowLibrary } from './services/workflows/workflow-library.js';

/** Everything SOPflow is made of, wired once: what the server, the CLI, the demo, tests and benchmarks open. */
export interface Sopflow {
  config: Config;
  clock: Clock;
  db: Database;
  workflows: WorkflowLibrary;
  tickets: TicketRuntime;
  users: Users;
  scheduler: TimerScheduler;
  /** The starting plans of `templates/`, loaded (and checked) once. */
  templates: ExecutionTableTemplates;
  executionTables: ExecutionTables;
  close(): Promise<void>;
}

export async function openSopflow(config: Config, options: { clock?: Clock; onError?: (error: unknown) => void } = {}): Promise<Sopflow> {
  const clock = options.clock ?? systemClock;
  const db = await openDatabase(config.database);
  const calendars = BUILT_IN_CALENDARS;
  const workflows = new WorkflowLibrary(db, clock, new Set(Object.keys(calendars)));
  const tickets = new TicketRuntime(db, workflows, clock, { businessTime: createBusinessTime(calendars) }, new Set(Object.keys(calendars)));
  const scheduler = new TimerScheduler(db, tickets, clock, {
    instance: `${hostname()}:${process.pid}`,
    intervalMs: config.schedulerIntervalMs,
    ...(options.onError ? { onError: options.onError } : {}),
  });
  const users = new Users(db, clock, config.passwordHashCost);
  const templates = loadExecutionTableTemplates(TEMPLATES_DIR);
  return {
    config,
    clock,
    db,
    workflows,
    tickets,
    users,
    scheduler,
    templates,
    executionTables: new ExecutionTables(db, clock, templates, users, workflows),
    async close() {
      await scheduler.stop();
      await tickets.settled();
      await db.close();
    },
  };
}

import type { Knex } from 'knex';
import type { Clock } from '../../../server/shared/clock.js';
import type { Sopflow } from '../../../server/sopflow.js';
import { percentileOfSorted } from '../../stats.js';
import { AGENT, newTicket } from './ticket-path.js';

export interface TimerStormPlan {
  /** Pending timers in all; every ticket carries the timers a new customer-inquiry ticket arms (four). */
  timers: number;
  /** Tickets whose first timer (the SLA warning of "Agent answers") falls due at the same instant. */
  dueTogether: number;
  /** Give up waiting for the due timers after this long. */
  timeoutMs: number;
}

export interface TimerStormResult {
  pending: number;
  due: number;
  fired: number;
  /** Timers acknowledged fired more than once, plus tickets with more than one warning notification. */
  duplicates: number;
  seedMs: number;
  /** fired_at − due_at as stored: the instant the firing transaction took the timer. */
  latenessP50Ms: number;
  latenessP99Ms: number;
  latenessMaxMs: number;
  /** From the due instant to the moment `fireTimers` resolved, i.e. the firing was durable. */
  durableP99Ms: number;
  /** From the due instant to the last timer durably fired. */
  drainMs: number;
  /** CPU time of this process per fired timer while the scheduler ran (robust where the CPUs are shared). */
  cpuMsPerFire: number;
}

/** Rows are copied column for column, whatever columns the migrations gave them. */
interface Row {
  id: number;
  [column: string]: unknown;
}
type TicketRow = Row;
type StepLogRow = Row;
interface TimerRow extends Row {
  due_at: number | string;
}

/** What cloning needs: one ticket opened through the runtime, and its rows. */
interface Template {
  ticket: TicketRow;
  timers: TimerRow[];
  stepLog: StepLogRow[];
  /** When the ticket's first timer falls due, and how long after it was opened. */
  firstDueAt: number;
  firstDueInMs: number;
}

// NOTE: knex writes a multi-row insert on SQLite as a compound SELECT, which SQLite caps at 500 terms.
const CHUNK_ROWS = 400;
/** Tickets that are not part of the storm open this far in the future. */
const LATER_MS = 3_600_000;
/** Only the first timer of each storm ticket may fall due while the storm is measured. */
const MIN_GAP_MS = 30_000;

/**
 * 100,000 pending timers, 10,000 of them due at one instant, fired by SOPflow's own scheduler on the real
 * clock (every firing goes through `TicketRuntime.fireTimers`). Two template tickets are opened through the
 * runtime with the clock pinned (one whose first timer falls due at the storm's instant, one an hour out);
 * the rest are verbatim copies of their rows under new ids, inserted in bulk: what the runtime would have
 * stored, without spending minutes creating them.
 */
export async function timerStorm(app: Sopflow, clock: PinnableClock, plan: TimerStormPlan, log: (message: string) => void): Promise<TimerStormResult> {
  const seeded = performance.now();
  // The tickets due later first, timed, so the storm's instant can be set just after the seeding ends.
  const later = await openTemplate(app, clock, Date.now() + LATER_MS);
  const tickets = Math.ceil(plan.timers / later.timers.length);
  const started = performance.now();
  await insertClones(app, later, tickets - plan.dueTogether - 1);
  const estimateMs = ((performance.now() - started) / (tickets - plan.dueTogether)) * plan.dueTogether;
  const storm = await openTemplate(app, clock, Math.ceil(Date.now() + estimateMs * 1.5 + 1_500) - later.firstDueInMs);
  const dueAt = storm.firstDueAt;
  const firstDueId = storm.ticket.id;
  await insertClones(app, storm, plan.dueTogether - 1);
  await analyze(app);
  const seedMs = performance.now() - seeded;
  if (Date.now() >= dueAt - 200) throw new Error(`seeding ran past the due instant by ${Date.now() - dueAt + 200} ms; the lateness would be wrong`);
  const pending = await countPending(app.db.knex);
  const dueNow = await countPending(app.db.knex, dueAt);
  if (dueNow !== plan.dueTogether) throw new Error(`${dueNow} timers fall due at the storm's instant, not ${plan.dueTogether}`);
  log(`timers: ${pending} pending on ${tickets} tickets, ${dueNow} due together in ${dueAt - Date.now()} ms; seeded in ${(seedMs / 1000).toFixed(1)} s`);

  // Every firing, as the scheduler sees it resolve: durable by then.
  const acknowledged = new Map<string, number>();
  const durableMs: number[] = [];
  const fireTimers = app.tickets.fireTimers.bind(app.tickets);
  app.tickets.fireTimers = async (timers) => {
    const result = await fireTimers(timers);
    for (const { ticketId, key } of result.fired) {
      const id = `${ticketId}/${key}`;
      acknowledged.set(id, (acknowledged.get(id) ?? 0) + 1);
      durableMs.push(Date.now() - dueAt);
    }
    return result;
  };

  const cpu = process.cpuUsage();
  app.scheduler.start();
  const deadline = dueAt + plan.timeoutMs;
  try {
    while (durableMs.length < plan.dueTogether && Date.now() < deadline) await sleep(50);
  } finally {
    await app.scheduler.stop();
    app.tickets.fireTimers = fireTimers;
  }
  const drainMs = Date.now() - dueAt;
  const { user, system } = process.cpuUsage(cpu);

  const knex = app.db.knex;
  const lateness = (await knex('timers').where('ticket_id', '>=', firstDueId).whereNotNull('fired_at').select(knex.raw('fired_at - due_at as late'))) as Array<{
    late: number | string;
  }>;
  const sorted = Float64Array.from(lateness.map((row) => Number(row.late))).sort();
  const notifiedTwice = (await knex('notifications').groupBy('ticket_id', 'kind', 'step').havingRaw('count(*) > 1').select('ticket_id')) as unknown[];
  const firedTwice = [...acknowledged.values()].filter((n) => n > 1).length;
  return {
    pending,
    due: dueNow,
    fired: sorted.length,
    duplicates: firedTwice + notifiedTwice.length,
    seedMs,
    latenessP50Ms: percentileOfSorted(sorted, 0.5),
    latenessP99Ms: percentileOfSorted(sorted, 0.99),
    latenessMaxMs: sorted.length ? sorted[sorted.length - 1]! : NaN,
    durableP99Ms: percentileOfSorted(Float64Array.from(durableMs).sort(), 0.99),
    drainMs,
    cpuMsPerFire: (user + system) / 1000 / Math.max(1, durableMs.length),
  };
}

/** The real clock, which the bench can pin to another instant while it opens a template ticket. */
export class PinnableClock implements Clock {
  private pinned: number | undefined;

  now(): number {
    return this.pinned ?? Date.now();
  }

  async at<T>(instant: number, work: () => Promise<T>): Promise<T> {
    this.pinned = instant;
    try {
      return await work();
    } finally {
      this.pinned = undefined;
    }
  }
}

/** A ticket opened through the runtime as if at `openedAt`, and its rows. */
async function openTemplate(app: Sopflow, clock: PinnableClock, openedAt: number): Promise<Template> {
  const { id } = await clock.at(openedAt, () => app.tickets.create(newTicket(0), AGENT));
  const knex = app.db.knex;
  const ticket = (await knex('tickets').where({ id }).first()) as TicketRow;
  const timers = (await knex('timers').where({ ticket_id: id }).orderBy('id')) as TimerRow[];
  const stepLog = (await knex('step_log').where({ ticket_id: id }).orderBy('id')) as StepLogRow[];
  if (!timers.length) throw new Error('a new ticket armed no timers');
  const firstDueAt = Math.min(...timers.map((t) => Number(t.due_at)));
  const second = Math.min(...timers.map((t) => Number(t.due_at)).filter((due) => due > firstDueAt));
  if (second - firstDueAt < MIN_GAP_MS)
    throw new Error(`a new ticket's second timer falls due ${second - firstDueAt} ms after its first: too close for the storm`);
  return { ticket, timers, stepLog, firstDueAt, firstDueInMs: firstDueAt - openedAt };
}

/** `count` copies of the template's rows, under the ids that follow the highest one. */
async function insertClones(app: Sopflow, template: Template, count: number): Promise<void> {
  const { id: _ticket, ...ticket } = template.ticket;
  const timers = template.timers.map(({ id: _timer, ...timer }) => timer);
  const stepLog = template.stepLog.map(({ id: _entry, ...entry }) => entry);
  await app.db.write(async (trx) => {
    const [{ top }] = (await trx('tickets').max({ top: 'id' })) as [{ top: number | string }];
    const firstId = Number(top) + 1;
    for (let from = 0; from < count; from += CHUNK_ROWS) {
      const ids = Array.from({ length: Math.min(CHUNK_ROWS, count - from) }, (_, i) => firstId + from + i);
      await insertChunked(
        trx,
        'tickets',
        ids.map((id) => ({ ...ticket, id, subject: newTicket(id).subject })),
      );
      await insertChunked(
        trx,
        'step_log',
        ids.flatMap((id) => stepLog.map((entry) => ({ ...entry, ticket_id: id }))),
      );
      await insertChunked(
        trx,
        'timers',
        ids.flatMap((id) => timers.map((timer) => ({ ...timer, ticket_id: id }))),
      );
    }
  });
  // NOTE: explicit ids do not move PostgreSQL's sequence; the next template ticket must not collide with them.
  if (app.db.client === 'pg') await app.db.knex.raw(`SELECT setval(pg_get_serial_sequence('tickets', 'id'), (SELECT max(id) FROM tickets))`);
}

/**
 * NOTE: what autovacuum would have done within a minute of a bulk load. Without statistics PostgreSQL may
 * plan the runtime's lookups of pending timers on the partial index `timers_pending_due` and filter every
 * pending timer on each statement (~100 ms apiece at 100,000 timers).
 */
async function analyze(app: Sopflow): Promise<void> {
  for (const table of ['tickets', 'timers', 'step_log']) await app.db.knex.raw('ANALYZE ??', [table]);
}

async function insertChunked(trx: Knex.Transaction, table: string, rows: Array<Record<string, unknown>>): Promise<void> {
  for (let from = 0; from < rows.length; from += CHUNK_ROWS) await trx(table).insert(rows.slice(from, from + CHUNK_ROWS));
}

/** Pending timers; with `dueAt`, those due at that instant or before. */
async function countPending(knex: Knex, dueAt?: number): Promise<number> {
  const query = knex('timers').whereNull('fired_at').whereNull('cancelled_at');
  if (dueAt !== undefined) query.where('due_at', '<=', dueAt);
  const [row] = (await query.count({ n: '*' })) as Array<{ n: number | string }>;
  return Number(row!.n);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

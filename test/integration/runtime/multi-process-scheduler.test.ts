import type { Knex } from 'knex';
import { ManualClock } from '../../../server/shared/clock.js';
import { openSopflow } from '../../../server/sopflow.js';
import { childScript, goProcess } from '../../helpers/child-scripts.js';
import { eachDatabase, type TestDatabase } from '../../helpers/databases.js';
import { openTestSopflow, testConfig } from '../../helpers/sopflow.js';
import { count } from './support/inspect.js';
import { HOUR } from './support/play.js';

const SCRIPT = childScript('test/integration/runtime/support/scheduler-process.ts');
/** As the issue asks: 2,000 due timers, those of some 500 phone calls. */
const TIMERS = 2000;
/** Small claims, so the two processes take turns rather than one taking everything. */
const BATCH = 20;
/** A claim older than this is taken over; on SQLite a process may lose its claims to a lock timeout. */
const CLAIM_TTL_MS = { postgres: 60_000, sqlite: 3_000 };

interface Report {
  instance: string;
  claimed: number;
  fired: number;
  errors: string[];
  timedOut: boolean;
}

/** A scheduler process on the test database: resolves `ready` once it has opened it, then runs on `go()`. */
function schedulerProcess(database: TestDatabase, instance: string) {
  const env = { SCHEDULER_INSTANCE: instance, SCHEDULER_BATCH: String(BATCH), SCHEDULER_CLAIM_TTL_MS: String(CLAIM_TTL_MS[database.name]) };
  return goProcess<Report>(SCRIPT, database, env, instance);
}

/**
 * Phone calls opened an hour ago on a stopped clock, enough for TIMERS timers: every limit they armed
 * (identity check 2 min, the call's 30 min, their warnings) is due now. Returns how many timers are due.
 */
async function armDueTimers(database: TestDatabase): Promise<{ tickets: number; due: number }> {
  const app = await openTestSopflow(database, { clock: new ManualClock(Date.now() - HOUR), workflows: ['phone-service'] });
  const call = (i: number) =>
    app.tickets.create({ workflow: 'phone-service', channel: 'phone', subject: `call ${i}`, customer: { name: `Caller ${i}` } }, 'ivr@sopflow.test');
  const dueTimers = () => count(app.db.knex('timers').whereNull('fired_at').whereNull('cancelled_at').where('due_at', '<=', Date.now()));
  try {
    await call(0);
    const tickets = Math.ceil(TIMERS / (await dueTimers()));
    for (let start = 1; start < tickets; start += 100) await Promise.all(Array.from({ length: Math.min(100, tickets - start) }, (_, i) => call(start + i)));
    return { tickets, due: await dueTimers() };
  } finally {
    await app.close();
  }
}

async function groups(knex: Knex, sql: string): Promise<Array<Record<string, unknown>>> {
  const result = (await knex.raw(sql)) as Array<Record<string, unknown>> | { rows: Array<Record<string, unknown>> };
  return Array.isArray(result) ? result : result.rows;
}

/** Every due timer fired, and by one process only: one notification each, every identity check breached. */
async function expectEachFiredOnce(knex: Knex, armed: { tickets: number; due: number }, reports: Report[]): Promise<void> {
  expect(reports.map((r) => r.timedOut)).toEqual([false, false]);
  expect(await count(knex('timers').whereNull('fired_at'))).toBe(0);
  expect(reports[0]!.fired + reports[1]!.fired).toBe(armed.due);
  expect(await count(knex('notifications'))).toBe(armed.due);
  expect(await groups(knex, 'SELECT ticket_id, kind, step FROM notifications GROUP BY ticket_id, kind, step HAVING COUNT(*) > 1')).toEqual([]);
  expect(
    await groups(
      knex,
      'SELECT id FROM tickets t WHERE (SELECT COUNT(*) FROM notifications WHERE ticket_id = t.id) <> (SELECT COUNT(*) FROM timers WHERE ticket_id = t.id)',
    ),
  ).toEqual([]);
  // Reminders and breaches do not move a ticket, so an agent's revision stays current.
  expect(await groups(knex, 'SELECT id FROM tickets WHERE revision <> 1')).toEqual([]);
  expect(await count(knex('step_log').where({ step: 'Task_VerifyIdentity', breached: true }).whereNull('exited_at'))).toBe(armed.tickets);
}

eachDatabase('two scheduler processes on one database', (database) => {
  test(`${TIMERS} due timers fire exactly once between them`, async () => {
    const db = database();
    const armed = await armDueTimers(db);
    expect(armed.due).toBeGreaterThanOrEqual(TIMERS);

    const processes = [schedulerProcess(db, 'scheduler-a'), schedulerProcess(db, 'scheduler-b')];
    expect(await Promise.all(processes.map((p) => p.ready))).toEqual(['ready', 'ready']);
    const reports = await Promise.all(processes.map((p) => p.run()));

    const app = await openSopflow(testConfig(db));
    try {
      await expectEachFiredOnce(app.db.knex, armed, reports);
      if (db.name === 'postgres') {
        // SKIP LOCKED: the processes never wait on each other, both take part, and what each claimed it fired
        expect(reports.map((r) => r.errors)).toEqual([[], []]);
        const claims = await groups(app.db.knex, 'SELECT claimed_by, COUNT(*) AS n FROM timers GROUP BY claimed_by ORDER BY claimed_by');
        expect(claims.map((c) => ({ by: c.claimed_by, n: Number(c.n) }))).toEqual(reports.map((r) => ({ by: r.instance, n: r.fired })));
        for (const report of reports) expect(report.fired).toBeGreaterThan(0);
      } else {
        // One file has one write lock, and SQLite hands it out unfairly: a process may wait past busy_timeout
        // (SQLITE_BUSY, and its claims are taken over once stale) or fire nothing. Still, each timer fires once.
        for (const error of reports.flatMap((r) => r.errors)) expect(error).toMatch(/^SQLITE_BUSY: /);
      }
    } finally {
      await app.close();
    }
  }, 240_000);
});

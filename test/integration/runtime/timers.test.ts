import { hostname } from 'node:os';
import { ManualClock } from '../../../server/shared/clock.js';
import { eachDatabase } from '../../helpers/databases.js';
import { openTestSopflow, T0 } from '../../helpers/sopflow.js';
import { count, notificationsOf, timersOf, type TimerRecord } from './support/inspect.js';
import { journey } from './support/journeys.js';
import { HOUR, MIN, play, type TestApp } from './support/play.js';

const AGENT_ROLE = '客服专员 Agent';
const THIS_PROCESS = `${hostname()}:${process.pid}`;
/** A customer inquiry waiting in Task_Answer (limit 5 min, warning at 80%: 4 min), entered at T0. */
const AT_ANSWER = journey('customer inquiry L1', 1);
/** A customer inquiry waiting in Task_L2TechSupport, entered at T0 + 11 min. */
const AT_L2 = journey('customer inquiry L2 whose first response is late: the 2 h reminder goes to the technical-support lead', 3);
const L2_ENTERED = T0 + 11 * MIN;

const pending = (timers: TimerRecord[]) => timers.filter((t) => t.fired_at === null && t.cancelled_at === null);
const what = (n: { kind: string; step: string | null; recipient?: string | null }) => ({ kind: n.kind, step: n.step, recipient: n.recipient ?? null });
/** Timers due together fire concurrently (PostgreSQL), so their notifications come in either order. */
const byKind = <T extends { kind: string }>(rows: T[]) => [...rows].sort((a, b) => a.kind.localeCompare(b.kind));

eachDatabase('timers', (database) => {
  let app: TestApp;
  afterEach(() => app?.close());

  test('an SLA breach fires once: the visit is marked breached and the step owner is told', async () => {
    app = await openTestSopflow(database(), { workflows: ['customer-inquiry'] });
    const { id } = await play(app, AT_ANSWER);

    app.clock.set(T0 + 6 * MIN);
    const first = await app.scheduler.runDue();
    expect({ fired: first.fired, lateness: first.lateness.sort((a, b) => a - b) }).toEqual({ fired: 2, lateness: [1 * MIN, 2 * MIN] });

    const answerRow = () => app.tickets.get(id).then((t) => t.stepLog.find((row) => row.step === 'Task_Answer')!);
    expect(await answerRow()).toMatchObject({ enteredAt: T0, breached: true, slaMs: 5 * MIN });
    expect((await answerRow()).exitedAt).toBeUndefined();
    const notified = await notificationsOf(app.db.knex, id);
    expect(byKind(notified.map((n) => ({ ...what(n), at: n.created_at })))).toEqual([
      { kind: 'sla-breach', step: 'Task_Answer', recipient: AGENT_ROLE, at: T0 + 6 * MIN },
      { kind: 'sla-warning', step: 'Task_Answer', recipient: AGENT_ROLE, at: T0 + 6 * MIN },
    ]);
    const answerTimers = (await timersOf(app.db.knex, id)).filter((t) => t.step === 'Task_Answer');
    expect(answerTimers.map(({ kind, due_at, fired_at, claimed_by }) => ({ kind, due_at, fired_at, claimed_by }))).toEqual([
      { kind: 'sla-warning', due_at: T0 + 4 * MIN, fired_at: T0 + 6 * MIN, claimed_by: THIS_PROCESS },
      { kind: 'sla-breach', due_at: T0 + 5 * MIN, fired_at: T0 + 6 * MIN, claimed_by: THIS_PROCESS },
    ]);

    // running the scheduler again, now and later, fires nothing more
    expect(await app.scheduler.runDue()).toEqual({ claimed: 0, fired: 0, lateness: [] });
    app.clock.set(T0 + 1 * HOUR);
    expect(await app.scheduler.runDue()).toEqual({ claimed: 0, fired: 0, lateness: [] });
    expect(await notificationsOf(app.db.knex, id)).toEqual(notified);

    // and the answer closes the visit as breached
    await app.tickets.advance(id, { type: 'answer' }, 'li.na@agents.test');
    expect(await answerRow()).toMatchObject({ exitedAt: T0 + 1 * HOUR, durationMs: 1 * HOUR, breached: true });
  });

  test('timers armed before the server stopped fire once after it starts again', async () => {
    const workflows = ['customer-inquiry', 'phone-service', 'standard-service'];
    app = await openTestSopflow(database(), { workflows });
    const ids = [
      (await play(app, journey('customer inquiry L1', 1))).id,
      (await play(app, journey('phone call resolved', 2))).id,
      (await play(app, journey('standard service, customer satisfied', 1))).id,
    ];
    // the server stops; while it is down, step limits and the 30 min limit of the phone call come due
    await app.close();
    const restartAt = T0 + 2 * HOUR;
    app = await openTestSopflow(database(), { workflows, clock: new ManualClock(restartAt) });
    const timersBefore = (await Promise.all(ids.map((id) => timersOf(app.db.knex, id)))).flat();
    const due = pending(timersBefore).filter((t) => t.due_at <= restartAt);
    expect(due.map((t) => `${t.ticket_id} ${t.step ?? t.kind}`)).toEqual(
      expect.arrayContaining([`${ids[0]} Task_Answer`, `${ids[1]} Task_Diagnose`, `${ids[1]} ticket-sla-breach`, `${ids[2]} Task_AnalyseNeed`]),
    );

    const fired = await app.scheduler.runDue();
    expect(fired.fired).toBe(due.length);
    expect(await app.scheduler.runDue()).toEqual({ claimed: 0, fired: 0, lateness: [] });

    const timersAfter = (await Promise.all(ids.map((id) => timersOf(app.db.knex, id)))).flat();
    expect(timersAfter.filter((t) => t.fired_at !== null).map((t) => t.fired_at)).toEqual(due.map(() => restartAt));
    const notified = (await Promise.all(ids.map((id) => notificationsOf(app.db.knex, id)))).flat();
    const byTicket = (rows: Array<{ ticket_id: number; kind: string; step: string | null }>) =>
      rows.map((r) => `${r.ticket_id} ${r.kind} ${r.step ?? ''}`).sort();
    expect(byTicket(notified)).toEqual(byTicket(due));
    // what was not due yet still waits: the 4 h status update and the long ticket limits
    expect(pending(timersAfter).every((t) => t.due_at > restartAt)).toBe(true);
    expect(pending(timersAfter).map((t) => t.timer_id ?? t.kind)).toContain('Start_StatusUpdateDue');
  });

  test('a timer cancelled because its step was left before it was due never fires', async () => {
    app = await openTestSopflow(database(), { workflows: ['customer-inquiry'] });
    const { id } = await play(app, AT_ANSWER);
    app.clock.set(T0 + 1 * MIN);
    await app.tickets.advance(id, { type: 'answer' }, 'li.na@agents.test');

    app.clock.set(T0 + 1 * HOUR);
    expect((await app.scheduler.runDue()).fired).toBe(2);
    const timers = await timersOf(app.db.knex, id);
    expect(timers.filter((t) => t.step === 'Task_Answer').map(({ kind, fired_at, cancelled_at }) => ({ kind, fired_at, cancelled_at }))).toEqual([
      { kind: 'sla-warning', fired_at: null, cancelled_at: T0 + 1 * MIN },
      { kind: 'sla-breach', fired_at: null, cancelled_at: T0 + 1 * MIN },
    ]);
    expect(byKind((await notificationsOf(app.db.knex, id)).map(what))).toEqual([
      { kind: 'sla-breach', step: 'Task_Grade', recipient: AGENT_ROLE },
      { kind: 'sla-warning', step: 'Task_Grade', recipient: AGENT_ROLE },
    ]);
    expect((await app.tickets.get(id)).stepLog.find((row) => row.step === 'Task_Answer')!.breached).toBe(false);
  });

  test("a ticket's pending timers are all listed, not only the nearest", async () => {
    app = await openTestSopflow(database(), { workflows: ['customer-inquiry'] });
    const { id } = await play(app, AT_L2);
    const detail = await app.tickets.get(id);

    expect(detail.pendingTimers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'bpmn', timerId: 'Timer_L2FirstResponse', dueAt: L2_ENTERED + 2 * HOUR }),
        expect.objectContaining({ kind: 'bpmn', timerId: 'Start_StatusUpdateDue', dueAt: T0 + 4 * HOUR }),
        expect.objectContaining({ kind: 'sla-warning', step: 'Task_L2TechSupport', dueAt: L2_ENTERED + 0.8 * 24 * HOUR }),
        expect.objectContaining({ kind: 'sla-breach', step: 'Task_L2TechSupport', dueAt: L2_ENTERED + 24 * HOUR }),
        expect.objectContaining({ kind: 'ticket-sla-breach', dueAt: T0 + 72 * HOUR }),
      ]),
    );
    expect(detail.pendingTimers).toHaveLength(await count(app.db.knex('timers').where({ ticket_id: id }).whereNull('fired_at').whereNull('cancelled_at')));
    const dues = detail.pendingTimers.map((t) => t.dueAt);
    expect(dues).toEqual([...dues].sort((a, b) => a - b));
    expect(detail.dueAt).toBe(L2_ENTERED + 24 * HOUR);
  });

  test('the 4 h status update repeats while the ticket is open, beside the one-off 2 h reminder', async () => {
    app = await openTestSopflow(database(), { workflows: ['customer-inquiry'] });
    const { id } = await play(app, AT_L2);
    const reminders = async () => (await notificationsOf(app.db.knex, id)).filter((n) => n.kind === 'reminder').map((n) => ({ ...what(n), at: n.created_at }));

    for (const at of [L2_ENTERED + 2 * HOUR + 1 * MIN, T0 + 4 * HOUR + 1 * MIN, T0 + 8 * HOUR + 1 * MIN]) {
      app.clock.set(at);
      await app.scheduler.runDue();
    }

    expect(await reminders()).toEqual([
      { kind: 'reminder', step: 'Task_L2TechSupport', recipient: '技术支持主管 Technical-support lead', at: L2_ENTERED + 2 * HOUR + 1 * MIN },
      { kind: 'reminder', step: null, recipient: AGENT_ROLE, at: T0 + 4 * HOUR + 1 * MIN },
      { kind: 'reminder', step: null, recipient: AGENT_ROLE, at: T0 + 8 * HOUR + 1 * MIN },
    ]);
    const cycle = (await app.tickets.get(id)).pendingTimers.filter((t) => t.timerId === 'Start_StatusUpdateDue');
    expect(cycle.map((t) => t.dueAt)).toEqual([T0 + 12 * HOUR]);
  });
});

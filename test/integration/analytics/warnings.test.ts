import { eachDatabase } from '../../helpers/databases.js';
import { openTestSopflow, T0 } from '../../helpers/sopflow.js';
import { ANN, BOB, DAY, HOUR, KPI_SOP, MIN, runTimers, type TestApp } from './support/scenario.js';

// A warning counts when its reminder goes out: when the scheduler fires the warning timer while the step (or
// the ticket's resolution clock) is still open. A step left past its warning point before the scheduler got
// to it sent no reminder, and is no warning; a late scheduler still sends it, and then it counts.
// KPI_SOP: Answer 5 min (warning at 4), Work 30 min (warning at 24), the ticket 2 h (warning at 96 min), 24×7.

async function open(app: TestApp, at: number): Promise<number> {
  app.clock.set(at);
  return (await app.tickets.create({ workflow: 'kpi-sop', channel: 'phone', subject: 'warned?', customer: { name: 'Customer' } }, ANN)).id;
}

async function advance(app: TestApp, id: number, at: number, type: string, fields?: Record<string, unknown>): Promise<void> {
  app.clock.set(at);
  await app.tickets.advance(id, { type, ...(fields ? { fields } : {}) }, ANN);
}

async function timersAt(app: TestApp, at: number): Promise<void> {
  app.clock.set(at);
  await runTimers(app);
}

eachDatabase('warnings', (database) => {
  let app: TestApp;
  afterEach(() => app?.close());

  test('count the tickets whose warning reminder went out, not those that only passed a warning point', async () => {
    app = await openTestSopflow(database(), { workflows: [] });
    await app.workflows.import(KPI_SOP, 'admin@kpi.test');
    const at = (ticket: number, minutes: number) => T0 + ticket * HOUR + minutes * MIN;
    // 1: the scheduler sends Answer's warning at 4½ min; answered at 4¾: warned
    const sent = await open(app, at(0, 0));
    await timersAt(app, at(0, 4.5));
    await advance(app, sent, at(0, 4.75), 'answer');
    await advance(app, sent, at(0, 10), 'resolve', { level: 'L1' });
    await advance(app, sent, at(0, 12), 'close');
    // 2: answered at 4½ min, past the warning point, before the scheduler ran: no reminder, no warning
    const early = await open(app, at(1, 0));
    await advance(app, early, at(1, 4.5), 'answer');
    await timersAt(app, at(1, 5));
    await advance(app, early, at(1, 10), 'resolve', { level: 'L1' });
    await advance(app, early, at(1, 12), 'close');
    // 3: the scheduler is 20 min late: it still sends the warning (and the breach) of the waiting visit: warned
    const late = await open(app, at(2, 0));
    await timersAt(app, at(2, 20));
    await advance(app, late, at(2, 21), 'answer');
    await advance(app, late, at(2, 30), 'resolve', { level: 'L1' });
    await advance(app, late, at(2, 32), 'close');
    // 4: answered in time, worked 20 min and resolved: nothing to warn of
    const calm = await open(app, at(3, 0));
    await advance(app, calm, at(3, 1), 'answer');
    await advance(app, calm, at(3, 21), 'resolve', { level: 'L1' });
    await advance(app, calm, at(3, 22), 'close');
    // 5: only the ticket's own clock warns: no visit of Work reaches its 24 min, the customer is asked
    //    again and again (the clock pauses meanwhile), and the clock passes 96 min at 101: sent at 104
    const slow = await open(app, at(4, 0));
    await advance(app, slow, at(4, 1), 'answer');
    for (let k = 0; k < 5; k++) {
      await advance(app, slow, at(4, 10 + 20 * k), 'ask');
      await advance(app, slow, at(4, 11 + 20 * k), 'reply');
    }
    await timersAt(app, at(4, 104));
    await advance(app, slow, at(4, 105), 'resolve');
    await advance(app, slow, at(4, 106), 'close');
    app.clock.set(T0 + DAY);

    const warnedBySent = async () => {
      const rows = (await app.db.knex('notifications').whereIn('kind', ['sla-warning', 'ticket-sla-warning']).select('ticket_id', 'kind')) as Array<{
        ticket_id: number | string;
        kind: string;
      }>;
      return rows;
    };
    const notices = await warnedBySent();
    const perTicket = (id: number) => notices.filter((n) => Number(n.ticket_id) === id).map((n) => n.kind);
    expect(perTicket(sent)).toEqual(['sla-warning']);
    expect(perTicket(early)).toEqual([]);
    expect(perTicket(late)).toEqual(['sla-warning']);
    expect(perTicket(calm)).toEqual([]);
    expect(perTicket(slow).sort()).toEqual(['ticket-sla-warning']);

    // the figure and its drill-down are the tickets that were sent a warning, as many times as they were
    const query = { workflow: 'kpi-sop', from: T0, to: T0 + DAY };
    const { kpis } = await app.analytics.metrics(query);
    expect(kpis.warnings).toBe(3);
    const { rows } = await app.analytics.tickets({ ...query, kpi: 'warned' });
    expect(rows.map((r) => [r.id, r.warnings])).toEqual([
      [sent, 1],
      [late, 1],
      [slow, 1],
    ]);
    // the early answer passed its warning point unwarned; it did not breach either
    expect((await app.analytics.tickets({ ...query, kpi: 'tickets' })).rows.find((r) => r.id === early)).toMatchObject({ warnings: 0, breaches: 0 });
  });
});

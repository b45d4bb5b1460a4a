import { eachDatabase } from '../../helpers/databases.js';
import { openTestSopflow } from '../../helpers/sopflow.js';
import { JOURNEYS } from './support/journeys.js';
import { notificationsOf, timersOf } from './support/inspect.js';
import { logRows, play, type TestApp } from './support/play.js';

eachDatabase('every branch of the built-in SOPs, stored', (database) => {
  let app: TestApp;
  afterEach(() => app?.close());

  test.each(JOURNEYS.map((journey) => [journey.name, journey] as const))('%s', async (_, journey) => {
    // given the SOP imported on a fresh database and a manual clock
    app = await openTestSopflow(database(), { workflows: [journey.workflow] });

    // when a ticket is driven through the branch, with a different think time in every step
    const { id, expected, closedAt } = await play(app, journey);

    // then the stored step log has one row per visit with exact times, actor, event, limit and breach
    const detail = await app.tickets.get(id);
    expect(logRows(detail.stepLog)).toEqual(logRows(expected));
    expect(detail.stepLog.map((row) => row.visit)).toEqual([...detail.stepLog.map((row) => row.visit)].sort((a, b) => a - b));
    // and the ticket is closed, with nothing left to fire
    expect(detail).toMatchObject({ status: 'closed', closedAt, allowedEvents: [], pendingTimers: [], state: [] });
    const timers = await timersOf(app.db.knex, id);
    expect(timers.filter((t) => t.fired_at === null && t.cancelled_at === null)).toEqual([]);
    // and the scheduler sent exactly the notifications the branch calls for
    const sent = await notificationsOf(app.db.knex, id);
    expect(sent.map(({ kind, recipient, step }) => ({ kind, recipient, step }))).toEqual(journey.notifications ?? []);
  });
});

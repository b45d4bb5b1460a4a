import { ManualClock } from '../../../server/shared/clock.js';
import { openSopflow } from '../../../server/sopflow.js';
import { eachDatabase } from '../../helpers/databases.js';
import { T0, testConfig } from '../../helpers/sopflow.js';
import { openTestSopflow } from '../../helpers/sopflow.js';
import { count } from './support/inspect.js';

const WEEK = 7 * 24 * 3_600_000;
const TICKET = { workflow: 'customer-inquiry', channel: 'chat', subject: 'simulated', customer: { name: 'Demo customer' } };

eachDatabase('a simulation keeps its timers to itself', (database) => {
  test("a server's scheduler on the real clock leaves a simulation's timers alone until the simulation releases them", async () => {
    // given a server (its clock weeks ahead: everything the simulation arms is due for it) and a simulation on one database
    const server = await openTestSopflow(database(), { workflows: ['customer-inquiry'], clock: new ManualClock(T0 + 4 * WEEK) });
    const simulation = await openSopflow(testConfig(database()), { clock: new ManualClock(T0), simulation: true });
    try {
      // when the simulation opens tickets, their timers are armed reserved for it
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push((await simulation.tickets.create(TICKET, 'demo@sopflow.local')).id);
      const armed = await count(server.db.knex('timers').whereIn('ticket_id', ids).whereNull('fired_at').whereNull('cancelled_at'));
      expect(armed).toBeGreaterThan(0);

      // then the server fires none of them, however late they are on its clock
      expect((await server.scheduler.runDue()).fired).toBe(0);

      // while the simulation fires its own on its clock
      (simulation.clock as ManualClock).set(T0 + 10 * 60_000);
      const fired = (await simulation.scheduler.runDue()).fired;
      expect(fired).toBeGreaterThan(0);

      // and once released, what is still pending is any scheduler's
      const released = await simulation.scheduler.release();
      expect(released).toBe(armed - fired);
      expect((await server.scheduler.runDue()).fired).toBeGreaterThan(0);
    } finally {
      await simulation.close();
      await server.close();
    }
  });
});

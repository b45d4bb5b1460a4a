import { eachDatabase } from '../../helpers/databases.js';
import { BUILT_IN, openTestSopflow, SHARED_DEMO, T0 } from '../../helpers/sopflow.js';
import { drillDownsMatch } from './support/figures.js';

const WEEK = 7 * 24 * 3_600_000;

eachDatabase('the demo’s figures', (database) => {
  test('agree across the dashboard, its groups, the drill-downs and the per-ticket stream', async () => {
    // The demo's data, run once for every test file that reads it (test/integration/demo runs the demo itself).
    const app = await openTestSopflow(database(), { demo: SHARED_DEMO });
    const count = SHARED_DEMO.tickets;
    try {
      const all = { from: T0 - (SHARED_DEMO.weeks + 1) * WEEK, to: T0 + 1 };
      const metrics = await app.analytics.metrics({ ...all, groupBy: 'channel' });
      expect(metrics.kpis.tickets).toBe(count);
      expect((await app.analytics.tickets({ ...all, limit: 1 })).total).toBe(count);
      let streamed = 0;
      for await (const _row of app.analytics.eachTicket(all)) streamed++;
      expect(streamed).toBe(count);
      await drillDownsMatch(app, all, metrics.kpis);
      // the groups partition the tickets, and their weeks do too
      expect(metrics.groups.reduce((sum, g) => sum + g.kpis.tickets, 0)).toBe(count);
      expect(metrics.weekly.reduce((sum, w) => sum + w.kpis.tickets, 0)).toBe(count);
      const perWorkflow = await Promise.all(BUILT_IN.map((workflow) => app.analytics.metrics({ ...all, workflow })));
      expect(perWorkflow.reduce((sum, m) => sum + m.kpis.tickets, 0)).toBe(count);

      // the demo shows every kind of figure: answers (most tickets), handling, breaches, loops, scores (a quarter
      // at least); callers and chatters who left
      const { kpis } = metrics;
      expect(kpis.firstResponseMs.n).toBeGreaterThan(count / 2);
      expect(kpis.ahtMs.mean).toBeGreaterThan(0);
      expect(kpis.breaches).toBeGreaterThan(0);
      expect(kpis.reopenRate).toBeGreaterThan(0);
      expect(kpis.csat.n).toBeGreaterThan(count / 4);
      expect(kpis.complaintRate).toBeGreaterThan(0);
      const phoneAndChat = metrics.groups.filter((g) => g.key === 'phone' || g.key === 'chat');
      expect(phoneAndChat.reduce((sum, g) => sum + Math.round((g.kpis.abandonment.rate ?? 0) * g.kpis.abandonment.n), 0)).toBeGreaterThan(0);
      expect(metrics.variants.length).toBeGreaterThan(3);
      expect(metrics.steps.length).toBeGreaterThan(10);
    } finally {
      await app.close();
    }
    // the first test of the run to ask for the demo's data waits for its one run, on a busy machine
  }, 240_000);
});

import { ManualClock } from '../../../server/shared/clock.js';
import { runDemo } from '../../../server/services/demo/demo.js';
import { openSopflow } from '../../../server/sopflow.js';
import { eachDatabase } from '../../helpers/databases.js';
import { BUILT_IN, T0, testConfig } from '../../helpers/sopflow.js';
import { drillDownsMatch } from './support/figures.js';

const WEEK = 7 * 24 * 3_600_000;

eachDatabase('the demo’s figures', (database) => {
  test('agree across the dashboard, its groups, the drill-downs and the per-ticket stream', async () => {
    const app = await openSopflow(testConfig(database()), { clock: new ManualClock(T0), simulation: true });
    try {
      await runDemo(app, { tickets: 200, weeks: 2, seed: 7 });
      const all = { from: T0 - 3 * WEEK, to: T0 + 1 };
      const metrics = await app.analytics.metrics({ ...all, groupBy: 'channel' });
      expect(metrics.kpis.tickets).toBe(200);
      expect((await app.analytics.tickets({ ...all, limit: 1 })).total).toBe(200);
      let streamed = 0;
      for await (const _row of app.analytics.eachTicket(all)) streamed++;
      expect(streamed).toBe(200);
      await drillDownsMatch(app, all, metrics.kpis);
      // the groups partition the tickets, and their weeks do too
      expect(metrics.groups.reduce((sum, g) => sum + g.kpis.tickets, 0)).toBe(200);
      expect(metrics.weekly.reduce((sum, w) => sum + w.kpis.tickets, 0)).toBe(200);
      const perWorkflow = await Promise.all(BUILT_IN.map((workflow) => app.analytics.metrics({ ...all, workflow })));
      expect(perWorkflow.reduce((sum, m) => sum + m.kpis.tickets, 0)).toBe(200);

      // the demo shows every kind of figure: answers, handling, breaches, loops, scores; callers and chatters who left
      const { kpis } = metrics;
      expect(kpis.firstResponseMs.n).toBeGreaterThan(100);
      expect(kpis.ahtMs.mean).toBeGreaterThan(0);
      expect(kpis.breaches).toBeGreaterThan(0);
      expect(kpis.reopenRate).toBeGreaterThan(0);
      expect(kpis.csat.n).toBeGreaterThan(50);
      expect(kpis.complaintRate).toBeGreaterThan(0);
      const phoneAndChat = metrics.groups.filter((g) => g.key === 'phone' || g.key === 'chat');
      expect(phoneAndChat.reduce((sum, g) => sum + Math.round((g.kpis.abandonment.rate ?? 0) * g.kpis.abandonment.n), 0)).toBeGreaterThan(0);
      expect(metrics.variants.length).toBeGreaterThan(3);
      expect(metrics.steps.length).toBeGreaterThan(10);
    } finally {
      await app.close();
    }
    // as the demo's own tests: a run of 200 tickets takes its time on a busy machine
  }, 240_000);
});

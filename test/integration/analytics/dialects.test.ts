import { postgresDatabase, sqliteDatabase } from '../../helpers/databases.js';
import { T0 } from '../../helpers/sopflow.js';
import { GROUP_BYS, type MetricsQuery } from '../../../server/services/analytics/metrics-model.js';
import { DAY, playScenario, T } from './support/scenario.js';

const pgUrl = process.env.SOPFLOW_TEST_PG_URL;

describe('SQLite and PostgreSQL', () => {
  if (!pgUrl) {
    if (process.env.CI) test('PostgreSQL is reachable (required in CI)', () => expect(pgUrl).toBeDefined());
    else test.skip(`SKIPPED: PostgreSQL not reachable (${process.env.SOPFLOW_TEST_PG_DOWN ?? ''})`, () => undefined);
    return;
  }

  test('give the same metrics, every grouping, drill-down and comparison, on the same tickets', async () => {
    const [sqlite, postgres] = [sqliteDatabase(), postgresDatabase(pgUrl)];
    const apps = [(await playScenario(sqlite)).app, (await playScenario(postgres)).app];
    try {
      for (const app of apps) app.clock.set(T.fcrCounted);
      const base: MetricsQuery = { workflow: 'kpi-sop', from: T0, to: T0 + DAY };
      const answers = await Promise.all(
        apps.map(async (app) => ({
          groups: await Promise.all([undefined, ...GROUP_BYS].map((groupBy) => app.analytics.metrics(groupBy ? { ...base, groupBy } : base))),
          rows: await app.analytics.tickets({ ...base, kpi: 'breached' }),
          compare: await app.analytics.compare({ ...base, to: T.t3 }, { ...base, from: T.t3 }),
        })),
      );
      expect(answers[1]).toEqual(answers[0]);
      expect(answers[0]!.groups[0]!.kpis.tickets).toBe(5);
    } finally {
      for (const app of apps) await app.close();
      await sqlite.drop();
      await postgres.drop();
    }
  }, 120_000);
});

import { KnexFactRowsReadModel } from '../../../server/data/analytics/fact-rows.query.js';
import { KnexMetricsReadModel } from '../../../server/data/analytics/metrics.query.js';
import { ensureRollups } from '../../../server/data/analytics/rollup-maintenance.js';
import { GROUP_BYS, type MetricsQuery } from '../../../server/services/analytics/metrics-model.js';
import { createMetricsService } from '../../../server/services/analytics/metrics-service.js';
import { eachDatabase } from '../../helpers/databases.js';
import { openTestSopflow, SHARED_DEMO, T0 } from '../../helpers/sopflow.js';
import { ANN, BOB, CARL, DAY, HOUR, KPI_SOP, MIN, runTimers, type TestApp } from './support/scenario.js';

// The daily rollups against the raw aggregation, on hand-made tickets spread over five days at
// ANALYTICS_UTC_OFFSET (+08:00): tickets that change after their creation day (closed days later, reopened,
// given a level, made VIP, migrated to a new version), FCR windows still open at `now`, timers fired.
// Every figure the dashboard, the groupings, the filters and the comparison show must be the same whether
// whole days come from the rollups or from the raw rows; and the rollups kept on write must be what a rebuild makes.

/** 2026-11-24 00:00 at +08:00: the first whole day of the period. */
const DAY0 = Date.parse('2026-11-23T16:00:00Z');
const PERIOD: MetricsQuery = { workflow: 'kpi-sop', from: DAY0 - 5 * HOUR, to: DAY0 + 3 * DAY + 10 * HOUR };
const ROLLUP_TABLES = ['rollup_tickets', 'rollup_steps', 'rollup_durations', 'rollup_variants'];

type Move = [at: number, event: string, actor: string, fields?: Record<string, unknown>];

async function open(app: TestApp, at: number, channel: string, vip = false): Promise<number> {
  app.clock.set(at);
  return (await app.tickets.create({ workflow: 'kpi-sop', channel, subject: `${channel} ticket`, customer: { name: 'Customer' }, vip }, ANN)).id;
}

/** Each move at its instant (ms since the epoch), in order. */
async function moves(app: TestApp, id: number, list: Move[]): Promise<void> {
  for (const [at, type, actor, fields] of list) {
    app.clock.set(at);
    await app.tickets.advance(id, { type, ...(fields ? { fields } : {}) }, actor);
  }
}

/** The rows of every rollup table, sorted, leaving out rows that add nothing (all sums 0: a key whose tickets moved away). */
async function rollupRows(app: TestApp): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of ROLLUP_TABLES) {
    const rows = (await app.db.knex(table).select('*')) as Array<Record<string, unknown>>;
    out[table] = rows
      .map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v])))
      .filter((row) => Object.entries(row).some(([k, v]) => ['tickets', 'visits'].includes(k) && v !== 0))
      .map((row) => JSON.stringify(row))
      .sort();
  }
  return out;
}

eachDatabase('daily rollups', (database) => {
  let app: TestApp;
  afterEach(() => app?.close());

  test('give the raw aggregation’s figures for every grouping, filter and comparison, and equal a rebuild', async () => {
    app = await openTestSopflow(database(), { workflows: [] });
    await app.workflows.import(KPI_SOP, 'admin@kpi.test');
    // a: before the first whole day (a partial day), answered, resolved at L1, closed, CSAT 5
    const a = await open(app, DAY0 - 2 * HOUR, 'phone');
    await moves(app, a, [
      [DAY0 - 2 * HOUR + 3 * MIN, 'answer', ANN],
      [DAY0 - 2 * HOUR + 20 * MIN, 'resolve', ANN, { level: 'L1' }],
      [DAY0 - 2 * HOUR + 25 * MIN, 'close', BOB, { satisfaction: 5 }],
    ]);
    // b: day 1, resolved at L1, reopened, resolved again at L2 (its level changes), closed on day 3
    const b = await open(app, DAY0 + 3 * HOUR, 'phone');
    await moves(app, b, [
      [DAY0 + 3 * HOUR + 2 * MIN, 'answer', ANN],
      [DAY0 + 3 * HOUR + 30 * MIN, 'resolve', ANN, { level: 'L1' }],
      [DAY0 + 3 * HOUR + 35 * MIN, 'reopen', BOB],
    ]);
    // c: day 2, made VIP half-way, then left in Work for the timers
    const c = await open(app, DAY0 + DAY + 2 * HOUR, 'email');
    await moves(app, c, [[DAY0 + DAY + 2 * HOUR + 4 * MIN, 'answer', CARL]]);
    app.clock.set(DAY0 + DAY + 2 * HOUR + 10 * MIN);
    await app.tickets.update(c, { vip: true }, BOB);
    // d: day 2, the customer leaves (chat)
    const d = await open(app, DAY0 + DAY + 5 * HOUR, 'chat');
    await moves(app, d, [[DAY0 + DAY + 5 * HOUR + 1 * MIN, 'abandon', 'ivr@kpi.test']]);
    // e: day 3, a complaint escalated to the expert, closed with CSAT 2
    const e = await open(app, DAY0 + 2 * DAY + 1 * HOUR, 'app');
    await moves(app, e, [
      [DAY0 + 2 * DAY + 1 * HOUR + 6 * MIN, 'answer', BOB],
      [DAY0 + 2 * DAY + 1 * HOUR + 16 * MIN, 'escalate', BOB, { complaint: true }],
      [DAY0 + 2 * DAY + 2 * HOUR + 30 * MIN, 'resolve', CARL],
      [DAY0 + 2 * DAY + 2 * HOUR + 50 * MIN, 'close', BOB, { satisfaction: 2 }],
    ]);
    // b again, late: resolved at L2 and closed on day 3
    await moves(app, b, [
      [DAY0 + 2 * DAY + 4 * HOUR, 'resolve', ANN, { level: 'L2' }],
      [DAY0 + 2 * DAY + 4 * HOUR + 10 * MIN, 'close', BOB, { satisfaction: 4 }],
    ]);
    // f: day 3, asks the customer (time waiting on them), closed
    const f = await open(app, DAY0 + 2 * DAY + 20 * HOUR, 'phone');
    await moves(app, f, [
      [DAY0 + 2 * DAY + 20 * HOUR + 1 * MIN, 'answer', ANN],
      [DAY0 + 2 * DAY + 20 * HOUR + 5 * MIN, 'ask', ANN],
      [DAY0 + 2 * DAY + 22 * HOUR, 'reply', 'customer@kpi.test'],
      [DAY0 + 2 * DAY + 22 * HOUR + 5 * MIN, 'resolve', ANN],
      [DAY0 + 2 * DAY + 22 * HOUR + 9 * MIN, 'close', BOB],
    ]);
    // h: day 2, left in Work on version 1; version 2 comes and h moves to it (its version changes)
    const h = await open(app, DAY0 + DAY + 9 * HOUR, 'phone');
    await moves(app, h, [[DAY0 + DAY + 9 * HOUR + 3 * MIN, 'answer', CARL]]);
    app.clock.set(DAY0 + 3 * DAY);
    await app.workflows.import(KPI_SOP.replace('sla="PT30M"', 'sla="PT40M"'), 'admin@kpi.test');
    const { revision } = await app.tickets.get(h);
    await app.migrations.apply('kpi-sop', 1, 2, [{ id: h, revision }], 'admin@kpi.test');
    // g: after the last whole day (a partial day), on version 2, never answered
    await open(app, DAY0 + 3 * DAY + 2 * HOUR, 'app');
    app.clock.set(DAY0 + 3 * DAY + 8 * HOUR);
    await runTimers(app);
    // now: a's FCR window (3 days on 24×7) has passed; b's and e's have not
    app.clock.set(DAY0 + 4 * DAY);

    const raw = createMetricsService({
      clock: app.clock,
      metrics: new KnexMetricsReadModel(app.db, 480, { rollups: false }),
      rows: new KnexFactRowsReadModel(app.db),
      workflowOf: async () => (await app.workflows.latest('kpi-sop')).workflow,
      versionsOf: (key) => app.workflows.versions(key),
    });
    const queries: MetricsQuery[] = [
      PERIOD,
      ...GROUP_BYS.map((groupBy) => ({ ...PERIOD, groupBy })),
      { ...PERIOD, version: 1 },
      { ...PERIOD, version: 2, groupBy: 'channel' },
      { ...PERIOD, channel: 'phone', groupBy: 'week' },
      { ...PERIOD, level: 'L2' },
      { ...PERIOD, level: 'none' },
      { ...PERIOD, vip: true },
      { ...PERIOD, vip: false, groupBy: 'level' },
      { ...PERIOD, agent: ANN },
      { ...PERIOD, workflow: undefined } as MetricsQuery,
      { workflow: 'kpi-sop', from: DAY0, to: DAY0 + 3 * DAY, groupBy: 'vip' },
    ];
    const answers = async (service: typeof raw) => ({
      metrics: await Promise.all(queries.map((q) => service.metrics(q))),
      compare: await service.compare({ ...PERIOD, to: DAY0 + DAY + 6 * HOUR }, { ...PERIOD, from: DAY0 + DAY + 6 * HOUR }),
      versions: await service.compare({ ...PERIOD, version: 1 }, { ...PERIOD, version: 2 }),
    });
    const [fromRollups, fromRaw] = [await answers(app.analytics), await answers(raw)];
    expect(fromRollups).toEqual(fromRaw);
    // the scenario reaches what it means to
    const { kpis, steps, rework } = fromRaw.metrics[0]!;
    expect(kpis).toMatchObject({ tickets: 8, open: 3, closed: 5, escalations: 1 });
    expect(kpis.fcr.n).toBe(1);
    expect(kpis.warnings).toBeGreaterThan(0);
    expect(rework).toEqual([
      { from: 'Review', to: 'Work', count: 1 },
      { from: 'WaitCustomer', to: 'Work', count: 1 },
    ]);
    expect(steps.find((s) => s.step === 'WaitCustomer')?.visits).toBe(1);
    expect(fromRaw.metrics[GROUP_BYS.indexOf('version') + 1]!.groups.map((g) => [g.key, g.kpis.tickets])).toEqual([
      ['1', 6],
      ['2', 2],
    ]);

    // what the writes kept is what a rebuild makes
    const kept = await rollupRows(app);
    expect(kept.rollup_tickets!.length).toBeGreaterThan(0);
    expect(await ensureRollups(app.db, 480, app.clock.now(), true)).toBe(true);
    expect(await rollupRows(app)).toEqual(kept);

    // and the dashboard does read them: a rollup changed behind its back shows
    await app.db.knex('rollup_tickets').update({ tickets: app.db.knex.raw('tickets + 100') });
    expect((await app.analytics.metrics(PERIOD)).kpis.tickets).toBeGreaterThan(100);
    expect((await raw.metrics(PERIOD)).kpis.tickets).toBe(8);
  }, 60_000);

  test('kept through a demo run (timers, loops, escalations, every SOP) are what a rebuild makes, and read as the raw rows', async () => {
    // The shared demo ran through the real runtime, which kept its rollups as it wrote: copied here as it left them.
    const demo = await openTestSopflow(database(), { demo: SHARED_DEMO });
    try {
      const kept = await rollupRows(demo as TestApp);
      expect(kept.rollup_steps!.length).toBeGreaterThan(20);
      await ensureRollups(demo.db, 480, demo.clock.now(), true);
      expect(await rollupRows(demo as TestApp)).toEqual(kept);
      const raw = new KnexMetricsReadModel(demo.db, 480, { rollups: false });
      const rolled = new KnexMetricsReadModel(demo.db, 480);
      const filter = { from: T0 - 3 * 7 * DAY + 5 * HOUR, to: T0 + 1 };
      for (const grouping of ['all', 'week', 'channel', 'version'] as const)
        expect(await rolled.kpis(filter, grouping, demo.clock.now())).toEqual(await raw.kpis(filter, grouping, demo.clock.now()));
      expect(await rolled.steps(filter)).toEqual(await raw.steps(filter));
      expect(await rolled.variants(filter, 10)).toEqual(await raw.variants(filter, 10));
    } finally {
      await demo.close();
    }
  }, 240_000);
});

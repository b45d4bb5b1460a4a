import { eachDatabase } from '../../helpers/databases.js';
import { T0 } from '../../helpers/sopflow.js';
import type { MetricsQuery } from '../../../server/services/analytics/metrics-model.js';
import { drillDownsMatch } from './support/figures.js';
import { openTestSopflow } from '../../helpers/sopflow.js';
import { ANN, BOB, CARL, DAY, HOUR, KPI_SOP, MIN, playScenario, T, ticket, type TestApp } from './support/scenario.js';

// Every figure below is worked out by hand from the moves of support/scenario.ts (minutes after creation):
//   t1 phone: Answer 0–2 (ann), Work 2–12 (L1), Review 12–15 (bob, CSAT 5)                 closed at 15
//   t2 chat:  Answer 0–3, the customer leaves (abandon)                                      closed at 3
//   t3 phone VIP: Answer 0–7 (bob, over 5), Work 7–17 (L2, ask), WaitCustomer 17–77,
//             Work 77–87 (loop back, escalate), Expert 87–150 (carl, over 60), Review 150–200 (over 10, CSAT 2)
//             closed at 200; its resolution clock stops while it waits: 200 − 60 = 140 > 120 → breached
//   t4 email: Answer 0–1 (ann), Work 1–21 (complaint, L1), Review open from 21 → breached by the timers
//   t5 app:   Answer open → breached by the timers
// The timers run at T0 + 7 h: t4 and t5 are warned and breach their step and resolution limits.
const q = (extra: Partial<MetricsQuery> = {}): MetricsQuery => ({ workflow: 'kpi-sop', from: T0, to: T0 + DAY, ...extra });

eachDatabase('metric engine', (database) => {
  let app: TestApp;
  afterEach(() => app?.close());

  test('every KPI of hand-made tickets, written through the runtime, is what the definitions say', async () => {
    ({ app } = await playScenario(database()));
    app.clock.set(T.fcrCounted);
    const { kpis } = await app.analytics.metrics(q());
    expect(kpis).toEqual({
      tickets: 5,
      open: 2,
      closed: 3,
      // t4 1, t1 2, t3 7: p50 is the 2nd of 3, p90 the 3rd
      firstResponseMs: { mean: (10 / 3) * MIN, p50: 2 * MIN, p90: 7 * MIN, n: 3 },
      // t1 2+10+3, t3 7+10+10+63+50 (WaitCustomer apart); t2 was abandoned
      ahtMs: { mean: ((15 + 140) / 2) * MIN, n: 2 },
      // t2 3, t1 15, t3 200
      resolutionMs: { mean: (218 / 3) * MIN, p50: 15 * MIN, p90: 200 * MIN, n: 3 },
      waitingOnCustomerMs: { mean: 20 * MIN, n: 3 },
      // t1 yes, t3 no (L2, escalated, reopened); t2 abandoned is not counted
      fcr: { rate: 0.5, n: 2 },
      // t2 of t1..t4 (t5 neither answered nor left yet)
      abandonment: { rate: 0.25, n: 4 },
      // tickets: closed t1 t2 t3 + open breached t4 t5; breached t3 t4 t5. Steps: 13 visits with a limit, 5 breached
      slaCompliance: { ticket: 2 / 5, step: 8 / 13, ticketN: 5, stepN: 13 },
      warnings: 2,
      breaches: 3,
      escalations: 1,
      reopenRate: 1 / 3,
      complaintRate: 1 / 5,
      csat: { mean: 3.5, satisfiedShare: 0.5, n: 2 },
    });
    await drillDownsMatch(app, q(), kpis);
  });

  test('FCR counts a closed ticket only once its window has passed', async () => {
    ({ app } = await playScenario(database()));
    expect((await app.analytics.metrics(q())).kpis.fcr).toEqual({ rate: null, n: 0 });
    app.clock.set(T0 + 15 * MIN + 3 * DAY);
    expect((await app.analytics.metrics(q())).kpis.fcr).toEqual({ rate: 1, n: 1 });
    app.clock.set(T.fcrCounted);
    expect((await app.analytics.metrics(q())).kpis.fcr).toEqual({ rate: 0.5, n: 2 });
  });

  test('per-step statistics, bottlenecks, rework and variants', async () => {
    ({ app } = await playScenario(database()));
    const metrics = await app.analytics.metrics(q());
    const step = (id: string) => metrics.steps.find((s) => s.step === id);
    expect(metrics.steps.map((s) => s.step)).toEqual(['Answer', 'Work', 'WaitCustomer', 'Expert', 'Review']);
    // Answer ended after 2, 3, 7, 1 min; t5's visit is open but breached
    expect(step('Answer')).toEqual({
      step: 'Answer',
      name: 'Answer',
      visits: 5,
      p50Ms: 2 * MIN,
      p90Ms: 7 * MIN,
      medianOverLimit: 2 / 5,
      totalWaitingMs: 13 * MIN,
      breachShare: 2 / 5,
      slaMs: 5 * MIN,
      waitingOnCustomer: false,
    });
    // Work: 10, 10, 10, 20 min
    expect(step('Work')).toMatchObject({ visits: 4, p50Ms: 10 * MIN, p90Ms: 20 * MIN, medianOverLimit: 1 / 3, totalWaitingMs: 50 * MIN, breachShare: 0 });
    expect(step('WaitCustomer')).toMatchObject({
      visits: 1,
      p50Ms: 60 * MIN,
      totalWaitingMs: 60 * MIN,
      breachShare: null,
      slaMs: null,
      waitingOnCustomer: true,
    });
    expect(step('Review')).toMatchObject({ visits: 3, p50Ms: 3 * MIN, p90Ms: 50 * MIN, breachShare: 2 / 3 });
    expect(metrics.bottlenecks.byWaiting.map((s) => [s.step, s.totalWaitingMs / MIN])).toEqual([
      ['Expert', 63],
      ['WaitCustomer', 60],
      ['Review', 53],
      ['Work', 50],
      ['Answer', 13],
    ]);
    expect(metrics.bottlenecks.byBreachShare.map((s) => [s.step, s.breachShare])).toEqual([
      ['Expert', 1],
      ['Review', 2 / 3],
      ['Answer', 2 / 5],
      ['Work', 0],
    ]);
    expect(metrics.rework).toEqual([{ from: 'WaitCustomer', to: 'Work', count: 1 }]);
    expect(metrics.variants).toEqual([
      { path: ['Answer', 'Work', 'Review'], tickets: 1, meanResolutionMs: 15 * MIN },
      { path: ['Answer'], tickets: 1, meanResolutionMs: 3 * MIN },
      { path: ['Answer', 'Work', 'WaitCustomer', 'Work', 'Expert', 'Review'], tickets: 1, meanResolutionMs: 200 * MIN },
    ]);
    // 2026-11-23 is a Monday; every ticket falls in its week
    expect(metrics.weekly.map((w) => [w.week, w.kpis.tickets])).toEqual([['2026-11-23', 5]]);
  });

  test('groups: each group is the KPIs of its tickets, and drills down to them', async () => {
    ({ app } = await playScenario(database()));
    app.clock.set(T.fcrCounted);
    const byChannel = await app.analytics.metrics(q({ groupBy: 'channel' }));
    expect(byChannel.groups.map((g) => [g.key, g.kpis.tickets, g.kpis.closed])).toEqual([
      ['app', 1, 0],
      ['chat', 1, 1],
      ['email', 1, 0],
      ['phone', 2, 2],
    ]);
    const phone = byChannel.groups.find((g) => g.key === 'phone')!.kpis;
    expect(phone.resolutionMs).toEqual({ mean: (215 / 2) * MIN, p50: 15 * MIN, p90: 200 * MIN, n: 2 });
    await drillDownsMatch(app, q({ channel: 'phone' }), phone);

    // a ticket is in the group of everyone who closed one of its steps
    const agents = await app.analytics.agents(q());
    expect(agents.map((a) => [a.agent, a.kpis.tickets])).toEqual([
      [ANN, 2],
      [BOB, 2],
      [CARL, 1],
    ]);
    for (const { agent, kpis } of agents) {
      expect((await app.analytics.metrics(q({ agent }))).kpis).toEqual(kpis);
      await drillDownsMatch(app, q({ agent }), kpis);
    }
    const teams = await app.analytics.metrics(q({ groupBy: 'team' }));
    expect(teams.groups.map((g) => [g.key, g.kpis.tickets])).toEqual([
      ['Desk', 3],
      ['Experts', 1],
      ['QA', 2],
    ]);
    const levels = await app.analytics.metrics(q({ groupBy: 'level' }));
    expect(levels.groups.map((g) => [g.key, g.kpis.tickets])).toEqual([
      ['L1', 2],
      ['L2', 1],
      ['none', 2],
    ]);
    expect((await app.analytics.metrics(q({ level: 'none' }))).kpis.tickets).toBe(2);
    const vip = await app.analytics.metrics(q({ groupBy: 'vip' }));
    expect(vip.groups.map((g) => [g.key, g.kpis.tickets])).toEqual([
      ['false', 4],
      ['true', 1],
    ]);
    const versions = await app.analytics.metrics(q({ groupBy: 'version' }));
    expect(versions.groups.map((g) => [g.key, g.kpis.tickets])).toEqual([['1', 5]]);
  });

  test('the drill-down pages by cursor and streams every ticket with its facts', async () => {
    const played = await playScenario(database());
    app = played.app;
    app.clock.set(T.fcrCounted);
    const first = await app.analytics.tickets({ ...q(), limit: 2 });
    expect(first.total).toBe(5);
    const second = await app.analytics.tickets({ ...q(), limit: 2, cursor: first.next! });
    const third = await app.analytics.tickets({ ...q(), limit: 2, cursor: second.next! });
    expect(third.next).toBeUndefined();
    expect([...first.rows, ...second.rows, ...third.rows].map((r) => r.id)).toEqual(played.ids);
    await expect(app.analytics.tickets({ ...q(), cursor: 'nonsense' })).rejects.toMatchObject({ code: 'validation_failed', details: [{ field: 'cursor' }] });

    const streamed = [];
    for await (const row of app.analytics.eachTicket(q())) streamed.push(row);
    expect(streamed.map((r) => r.id)).toEqual(played.ids);
    expect(streamed[2]).toEqual({
      id: played.ids[2],
      workflow: 'kpi-sop',
      version: 1,
      channel: 'phone',
      level: 'L2',
      vip: true,
      createdAt: T.t3,
      closedAt: T.t3 + 200 * MIN,
      agents: [BOB, CARL],
      firstResponseMs: 7 * MIN,
      resolutionMs: 200 * MIN,
      breaches: 4,
      reopenings: 1,
      csat: 2,
      abandoned: false,
      fcr: false,
      handleMs: 140 * MIN,
      waitingMs: 60 * MIN,
      escalations: 1,
      warnings: 0,
      complaint: false,
    });
  });

  test('durations are business time on the calendar: a Friday-evening ticket answered on Monday', async () => {
    app = await openTestSopflow(database(), { workflows: [] });
    await app.workflows.import(KPI_SOP.replace('<sop:process sla="PT2H" />', '<sop:process sla="PT2H" calendar="cn-workdays" />'), ANN);
    // Friday 2026-11-27 17:00 in Shanghai; cn-workdays closes at 18:00 and opens Monday at 09:00
    const friday = Date.parse('2026-11-27T17:00:00+08:00');
    const monday10 = Date.parse('2026-11-30T10:00:00+08:00');
    await ticket(app, friday, 'phone', [
      [(monday10 - friday) / MIN, 'answer', ANN],
      [(monday10 - friday) / MIN + 30, 'resolve', ANN],
      [(monday10 - friday) / MIN + 40, 'close', BOB],
    ]);
    const { kpis, steps } = await app.analytics.metrics({ workflow: 'kpi-sop', from: friday, to: friday + DAY });
    // one working hour on Friday and one on Monday; then 30 and 10 working minutes
    expect(kpis.firstResponseMs).toEqual({ mean: 2 * HOUR, p50: 2 * HOUR, p90: 2 * HOUR, n: 1 });
    expect(kpis.resolutionMs.mean).toBe(2 * HOUR + 40 * MIN);
    expect(kpis.ahtMs.mean).toBe(2 * HOUR + 40 * MIN);
    expect(steps.find((s) => s.step === 'Answer')).toMatchObject({ p50Ms: 2 * HOUR, breachShare: 1 });
  });
});

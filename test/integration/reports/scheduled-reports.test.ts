import { ManualClock } from '../../../server/shared/clock.js';
import { definitionOf } from '../../../server/services/analytics/definitions.js';
import type { User } from '../../../server/services/users/users.js';
import { openSopflow } from '../../../server/sopflow.js';
import { eachDatabase } from '../../helpers/databases.js';
import { openTestSopflow, T0, testConfig } from '../../helpers/sopflow.js';
import { DAY, daysOf, downloaded, HOUR, openInquiries, rowsBelowHeader } from './support/inquiries.js';

/** T0 is 2026-11-23 17:00 in Shanghai: the day's report falls due at its midnight, 16:00 UTC. */
const END_OF_DAY = Date.parse('2026-11-23T16:00:00Z');
const TIMER_KINDS = ['bpmn', 'sla-warning', 'sla-breach', 'ticket-sla-warning', 'ticket-sla-breach'];

eachDatabase('scheduled reports: durable, once, and what the metric engine says', (database) => {
  let manager: User;

  async function subscribed(
    app: Awaited<ReturnType<typeof openTestSopflow>>,
    frequency: 'daily' | 'weekly' = 'daily',
    workflow: string | null = 'customer-inquiry',
  ) {
    manager = (await app.users.add({ email: 'chen.jie@managers.test', name: 'Chen Jie', role: 'manager' })).user;
    return app.reports.subscribe({ workflow, frequency }, manager);
  }

  test('a daily report fires exactly once across a restart; its per-ticket rows are the metrics’ tickets, each with its timers', async () => {
    const db = database();
    let app = await openTestSopflow(db);
    const subscription = await subscribed(app);
    expect(subscription).toMatchObject({ frequency: 'daily', timeZone: 'Asia/Shanghai', locale: 'zh-CN', nextRunAt: END_OF_DAY });
    const ids = await openInquiries(app, 14);
    expect(await app.reports.runDue()).toEqual({ claimed: 0, made: 0 });
    await app.close();

    // The server was down when the day ended; it comes back an hour later.
    app = await openTestSopflow(db, { clock: new ManualClock(END_OF_DAY + HOUR), workflows: [] });
    expect(await app.reports.runDue()).toEqual({ claimed: 1, made: 1 });
    expect(await app.reports.runDue()).toEqual({ claimed: 0, made: 0 });
    await app.close();
    app = await openTestSopflow(db, { clock: new ManualClock(END_OF_DAY + 2 * HOUR), workflows: [] });
    try {
      expect(await app.reports.runDue()).toEqual({ claimed: 0, made: 0 });
      const { items } = await app.reports.list();
      expect(items).toHaveLength(1);
      const report = items[0]!;
      expect(report).toMatchObject({
        subscriptionId: subscription.id,
        workflow: 'customer-inquiry',
        period: { from: END_OF_DAY - DAY, to: END_OF_DAY, label: '2026-11-23' },
      });
      expect((await app.reports.subscriptions())[0]!.nextRunAt).toBe(END_OF_DAY + DAY);

      const query = { workflow: 'customer-inquiry', from: report.period.from, to: report.period.to };
      const metrics = await app.analytics.metrics(query);
      expect(metrics.kpis.tickets).toBe(ids.length);
      expect(report.tickets).toBe(metrics.kpis.tickets);

      const workbook = await downloaded(app.reports, report.id);
      expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual(['KPI 指标', '瓶颈环节', '工单明细']);
      const tickets = rowsBelowHeader(workbook.getWorksheet('工单明细')!);
      expect(tickets).toHaveLength(metrics.kpis.tickets);
      expect(tickets.map((row) => row[0]).sort((a, b) => Number(a) - Number(b))).toEqual(ids);
      // Every timer of a ticket, one line each, as the timers table holds them.
      const timers = (await app.db.knex('timers').where({ ticket_id: ids[0] })) as Array<{ kind: string }>;
      const first = tickets.find((row) => row[0] === ids[0])!;
      expect(first[16]).toBe(timers.length);
      expect(String(first[17]).split('\n')).toHaveLength(timers.length);
      expect(timers.every((timer) => TIMER_KINDS.includes(timer.kind))).toBe(true);

      // The KPI sheet: the figures the engine gives, beside the definition it writes.
      const kpis = rowsBelowHeader(workbook.getWorksheet('KPI 指标')!, 4);
      expect(kpis[0]).toEqual(['工单数', metrics.kpis.tickets, undefined, definitionOf('tickets').formula.zh]);
      const firstResponse = kpis.find((row) => row[0] === '首次响应时间 (平均)')!;
      expect(daysOf(firstResponse[1])).toBeCloseTo(metrics.kpis.firstResponseMs.mean! / DAY, 9);
      expect(firstResponse[2]).toBe(metrics.kpis.firstResponseMs.n);
    } finally {
      await app.close();
    }
  });

  test('after days of downtime a daily report is made once, for the latest complete day, not once per missed day', async () => {
    const db = database();
    let app = await openTestSopflow(db);
    await subscribed(app);
    await app.close();
    app = await openTestSopflow(db, { clock: new ManualClock(END_OF_DAY + 3 * DAY + HOUR), workflows: [] });
    try {
      expect(await app.reports.runDue()).toEqual({ claimed: 1, made: 1 });
      expect(await app.reports.runDue()).toEqual({ claimed: 0, made: 0 });
      const { items } = await app.reports.list();
      expect(items.map((report) => report.period.label)).toEqual(['2026-11-26']);
      expect((await app.reports.subscriptions())[0]!.nextRunAt).toBe(END_OF_DAY + 4 * DAY);
      app.clock.set(END_OF_DAY + 4 * DAY);
      expect(await app.reports.runDue()).toEqual({ claimed: 1, made: 1 });
      expect((await app.reports.list()).items.map((report) => report.period.label)).toEqual(['2026-11-27', '2026-11-26']);
    } finally {
      await app.close();
    }
  });

  test('two processes on one database: the due report is claimed and made once between them', async () => {
    const db = database();
    const setup = await openTestSopflow(db);
    // Of every workflow: the inquiries and an email.
    await subscribed(setup, 'weekly', null);
    await openInquiries(setup, 5);
    await setup.tickets.create({ workflow: 'email-support', channel: 'email', subject: 'invoice', customer: { name: 'Zhou' } }, 'intake@sopflow.test');
    await setup.close();
    // The week of 23 November ends at Monday 30 November, 00:00 in Shanghai.
    const due = Date.parse('2026-11-29T16:00:00Z');
    const first = await openSopflow(testConfig(db), { clock: new ManualClock(due + 1000) });
    const second = await openSopflow(testConfig(db), { clock: new ManualClock(due + 1000) });
    try {
      const results = await Promise.all([first.reports.runDue(), second.reports.runDue(), first.reports.runDue(), second.reports.runDue()]);
      expect(results.reduce((sum, result) => sum + result.made, 0)).toBe(1);
      const { items } = await second.reports.list();
      expect(items.map((report) => ({ label: report.period.label, workflow: report.workflow, tickets: report.tickets }))).toEqual([
        { label: '2026-W48', workflow: null, tickets: 6 },
      ]);
      const tickets = rowsBelowHeader((await downloaded(first.reports, items[0]!.id)).worksheets[2]!);
      expect(tickets.map((row) => row[1]).sort()).toEqual([...Array(5).fill('customer-inquiry'), 'email-support']);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });
});

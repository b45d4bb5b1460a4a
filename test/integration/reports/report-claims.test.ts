import { KnexReportRepository } from '../../../server/data/reports/report-repository.js';
import { openSopflow } from '../../../server/sopflow.js';
import { eachDatabase } from '../../helpers/databases.js';
import { openTestSopflow, T0, testConfig } from '../../helpers/sopflow.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
const period = { from: T0 - DAY, to: T0, label: '2026-11-22' };

/** The schedule's claims as the repository keeps them: one claimant at a time, a lapsed lease taken over, one report per period. */
eachDatabase('report schedule: claims, leases and one report per period', (database) => {
  test('two processes claiming at once: one gets the due subscription, the other nothing', async () => {
    const db = database();
    const first = await openTestSopflow(db, { workflows: [] });
    const second = await openSopflow(testConfig(db));
    try {
      const [a, b] = [new KnexReportRepository(first.db), new KnexReportRepository(second.db)];
      const subscription = await a.createSubscription({
        owner: 'm@x',
        workflow: null,
        frequency: 'daily',
        timeZone: 'Asia/Shanghai',
        locale: 'en',
        nextRunAt: T0,
        createdAt: T0 - DAY,
      });
      const claims = await Promise.all([
        a.claimDue({ now: T0, token: 'a', leaseUntil: T0 + MINUTE, limit: 5 }),
        b.claimDue({ now: T0, token: 'b', leaseUntil: T0 + MINUTE, limit: 5 }),
      ]);
      expect(claims.flat().map((claim) => claim.id)).toEqual([subscription.id]);
      // Not due before its time, and not again while the lease holds.
      expect(await a.claimDue({ now: T0 + MINUTE - 1, token: 'c', leaseUntil: T0 + 2 * MINUTE, limit: 5 })).toEqual([]);
    } finally {
      await second.close();
      await first.close();
    }
  });

  test('a lapsed lease is taken over: the dead run’s half report is deleted, its writes refused, one report made', async () => {
    const app = await openTestSopflow(database(), { workflows: [] });
    try {
      const repository = new KnexReportRepository(app.db);
      await repository.createSubscription({
        owner: 'm@x',
        workflow: null,
        frequency: 'daily',
        timeZone: 'Asia/Shanghai',
        locale: 'en',
        nextRunAt: T0,
        createdAt: T0 - DAY,
      });
      const [dead] = await repository.claimDue({ now: T0, token: 'dead', leaseUntil: T0 + MINUTE, limit: 5 });
      const started = await repository.start({ subscription: dead!, period, createdAt: T0 });
      if (started.kind !== 'started') throw new Error(`the first run could not start: ${started.kind}`);
      await repository.appendChunk(started.reportId, 'dead', 0, Buffer.from('half a workbook'));

      // The lease lapses; another run takes over and starts again from nothing.
      const [alive] = await repository.claimDue({ now: T0 + 2 * MINUTE, token: 'alive', leaseUntil: T0 + 3 * MINUTE, limit: 5 });
      expect(alive).toMatchObject({ id: dead!.id, token: 'alive' });
      expect(await repository.renew(dead!, T0 + 10 * MINUTE)).toBe(false);
      const again = await repository.start({ subscription: alive!, period, createdAt: T0 + 2 * MINUTE });
      if (again.kind !== 'started') throw new Error(`the second run could not start: ${again.kind}`);
      expect(await app.db.knex('report_chunks').where({ report_id: started.reportId }).first()).toBeUndefined();
      // The first run wakes up: its chunk has no report to go to, and its finish is refused.
      await expect(repository.appendChunk(started.reportId, 'dead', 1, Buffer.from('more'))).rejects.toMatchObject({ code: 'conflict' });
      await expect(repository.appendChunk(again.reportId, 'dead', 0, Buffer.from('not mine'))).rejects.toMatchObject({ code: 'conflict' });
      expect(
        await repository.finish({
          reportId: started.reportId,
          subscription: dead!,
          nextRunAt: T0 + DAY,
          tickets: 0,
          sizeBytes: 1,
          completedAt: T0 + 2 * MINUTE,
        }),
      ).toBe(false);

      await repository.appendChunk(again.reportId, 'alive', 0, Buffer.from('a whole '));
      await repository.appendChunk(again.reportId, 'alive', 1, Buffer.from('workbook'));
      expect(
        await repository.finish({
          reportId: again.reportId,
          subscription: alive!,
          nextRunAt: T0 + DAY,
          tickets: 3,
          sizeBytes: 16,
          completedAt: T0 + 3 * MINUTE,
        }),
      ).toBe(true);

      const reports = await repository.reports({ limit: 10 });
      expect(reports).toHaveLength(1);
      expect(reports[0]).toMatchObject({ id: again.reportId, tickets: 3, sizeBytes: 16, period });
      const bytes: Buffer[] = [];
      for await (const chunk of repository.chunks(again.reportId)) bytes.push(chunk);
      expect(Buffer.concat(bytes).toString()).toBe('a whole workbook');
      // Moved on: due next at the end of the next day, claim released.
      expect((await repository.subscription(alive!.id))!.nextRunAt).toBe(T0 + DAY);
      expect(await repository.claimDue({ now: T0 + DAY - 1, token: 'late', leaseUntil: T0 + DAY, limit: 5 })).toEqual([]);
      // A second run for a period that has its report only moves the subscription on.
      const [late] = await repository.claimDue({ now: T0 + DAY, token: 'late', leaseUntil: T0 + DAY + MINUTE, limit: 5 });
      expect(await repository.start({ subscription: late!, period, createdAt: T0 + DAY })).toEqual({ kind: 'exists' });
    } finally {
      await app.close();
    }
  });

  test('reports past their retention are deleted with their chunks; a deleted subscription keeps its reports', async () => {
    const app = await openTestSopflow(database(), { workflows: [] });
    try {
      const repository = new KnexReportRepository(app.db);
      const subscription = await repository.createSubscription({
        owner: 'm@x',
        workflow: null,
        frequency: 'daily',
        timeZone: 'UTC',
        locale: 'en',
        nextRunAt: T0,
        createdAt: T0 - DAY,
      });
      const made: number[] = [];
      for (const [day, token] of [
        [0, 'one'],
        [1, 'two'],
      ] as const) {
        const [claimed] = await repository.claimDue({ now: T0 + day * DAY, token, leaseUntil: T0 + day * DAY + MINUTE, limit: 5 });
        const started = await repository.start({
          subscription: claimed!,
          period: { from: T0 + (day - 1) * DAY, to: T0 + day * DAY, label: `d${day}` },
          createdAt: T0 + day * DAY,
        });
        if (started.kind !== 'started') throw new Error(started.kind);
        await repository.appendChunk(started.reportId, token, 0, Buffer.from('x'));
        await repository.finish({
          reportId: started.reportId,
          subscription: claimed!,
          nextRunAt: T0 + (day + 1) * DAY,
          tickets: 0,
          sizeBytes: 1,
          completedAt: T0 + day * DAY,
        });
        made.push(started.reportId);
      }
      expect(await repository.deleteCompletedBefore(T0 + 1)).toBe(1);
      expect((await repository.reports({ limit: 10 })).map((r) => r.id)).toEqual([made[1]]);
      expect(await app.db.knex('report_chunks').where({ report_id: made[0] }).first()).toBeUndefined();
      expect(await repository.deleteSubscription(subscription.id)).toBe(true);
      expect((await repository.reports({ limit: 10 })).map((r) => ({ id: r.id, subscriptionId: r.subscriptionId }))).toEqual([
        { id: made[1], subscriptionId: null },
      ]);
    } finally {
      await app.close();
    }
  });
});

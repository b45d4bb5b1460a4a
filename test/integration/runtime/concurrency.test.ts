import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ConflictError, EventNotAllowedError } from '../../../server/shared/errors.js';
import type { Ticket } from '../../../server/services/tickets/ticket-views.js';
import { eachDatabase, sqliteDatabase } from '../../helpers/databases.js';
import { openTestSopflow } from '../../helpers/sopflow.js';
import { count, footprint } from './support/inspect.js';
import { journey } from './support/journeys.js';
import { MIN, play, type TestApp } from './support/play.js';

/** A customer inquiry waiting in Task_Answer at revision 1. */
const AT_ANSWER = journey('customer inquiry L1', 1);

const agent = (i: number) => `agent-${i}@agents.test`;

function outcomes<T>(settled: Array<PromiseSettledResult<T>>): { won: T[]; errors: unknown[] } {
  return {
    won: settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])),
    errors: settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : [])),
  };
}

eachDatabase('concurrent advances', (database) => {
  let app: TestApp;
  beforeEach(async () => {
    app = await openTestSopflow(database(), { workflows: ['customer-inquiry'] });
  });
  afterEach(() => app.close());

  /** 20 agents answer the same ticket at the same moment. */
  async function race(expectedRevision: number | undefined) {
    const { id } = await play(app, AT_ANSWER);
    app.clock.advance(2 * MIN);
    const settled = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        app.tickets.advance(
          id,
          { type: 'answer', fields: { issueSummary: `summary by agent ${i}` }, ...(expectedRevision === undefined ? {} : { expectedRevision }) },
          agent(i),
        ),
      ),
    );
    return { id, ...outcomes(settled) };
  }

  /** Exactly one answer is stored: the winner's Task_Answer row, one open Task_Grade visit with one set of limit timers. */
  async function expectOneAnswer(id: number, winner: Ticket) {
    const winnerIndex = Number(/agent (\d+)/.exec(String(winner.fields.issueSummary))![1]);
    const detail = await app.tickets.get(id);
    expect(detail).toMatchObject({ revision: 2, state: ['Task_Grade'], fields: { issueSummary: `summary by agent ${winnerIndex}` } });
    expect(detail.stepLog.map(({ step, actor, event, exitedAt }) => ({ step, actor, event, exitedAt }))).toEqual([
      { step: 'Service_BotPreClassify', actor: 'system', event: 'automatic', exitedAt: app.clock.now() - 2 * MIN },
      { step: 'Task_Answer', actor: agent(winnerIndex), event: 'answer', exitedAt: app.clock.now() },
      { step: 'Task_Grade', actor: undefined, event: undefined, exitedAt: undefined },
    ]);
    const gradeTimers = detail.pendingTimers.filter((t) => t.step === 'Task_Grade').map((t) => t.kind);
    expect(gradeTimers.sort()).toEqual(['sla-breach', 'sla-warning']);
    expect(await count(app.db.knex('timers').where({ ticket_id: id, step: 'Task_Grade' }))).toBe(2);
    expect(await count(app.db.knex('timers').where({ ticket_id: id, step: 'Task_Answer' }).whereNull('cancelled_at'))).toBe(0);
  }

  test('20 advances with the same expectedRevision: one wins, 19 conflict, the history is whole', async () => {
    const { id, won, errors } = await race(1);
    expect(won).toHaveLength(1);
    expect(errors).toHaveLength(19);
    for (const error of errors) expect(error).toBeInstanceOf(ConflictError);
    await expectOneAnswer(id, won[0]!);
  });

  test('20 advances without a revision: one wins, the others find the event no longer allowed', async () => {
    const { id, won, errors } = await race(undefined);
    expect(won).toHaveLength(1);
    expect(errors).toHaveLength(19);
    for (const error of errors) {
      expect(error).toBeInstanceOf(EventNotAllowedError);
      expect(error).toMatchObject({ allowedEvents: ['grade'] });
    }
    await expectOneAnswer(id, won[0]!);
  });

  test('advances of 40 tickets at once all succeed; failing writes among them roll back alone', async () => {
    const tickets = await Promise.all(Array.from({ length: 42 }, () => play(app, AT_ANSWER)));
    const [stale, victim, ...rest] = tickets.map((t) => t.id) as [number, number, ...number[]];
    const untouched = { stale: await footprint(app, stale), victim: await footprint(app, victim) };
    const statements: string[] = [];
    app.db.knex.on('query', (query: { sql: string }) => statements.push(query.sql));
    const writesBefore = { ...app.db.writes };
    app.clock.advance(3 * MIN);

    // when 40 answers and two failing writes are sent in the same tick, the failures in the middle
    const answers = rest.map((id, i) => app.tickets.advance(id, { type: 'answer', expectedRevision: 1 }, agent(i)));
    const failing = [
      app.tickets.advance(stale, { type: 'answer', expectedRevision: 7 }, agent(99)),
      app.db.write(async (trx) => {
        await trx('tickets').where({ id: victim }).update({ subject: 'overwritten', revision: 99 });
        await trx('notifications').insert({ ticket_id: victim, kind: 'reminder', created_at: app.clock.now() });
        throw new Error('deliberate failure after writing');
      }),
    ];
    const settled = await Promise.allSettled([...answers.slice(0, 20), ...failing, ...answers.slice(20)]);

    const { won, errors } = outcomes(settled);
    expect(won).toHaveLength(40);
    expect(won.map((t) => ({ revision: t.revision, state: t.state }))).toEqual(rest.map(() => ({ revision: 2, state: ['Task_Grade'] })));
    expect(errors).toEqual([expect.any(ConflictError), new Error('deliberate failure after writing')]);
    expect(await footprint(app, stale)).toEqual(untouched.stale);
    expect(await footprint(app, victim)).toEqual(untouched.victim);
    expect(await count(app.db.knex('step_log').whereIn('ticket_id', rest).where({ step: 'Task_Answer', event: 'answer' }))).toBe(40);
    expect(await count(app.db.knex('step_log').whereIn('ticket_id', rest).where({ step: 'Task_Grade' }).whereNull('exited_at'))).toBe(40);
    // The 40 advances share a few commits of the ticket writer (its own transactions, outside knex), none
    // failed; the stale advance is refused before anything is written, so it is no unit of any batch.
    const writes = { batches: app.db.writes.batches - writesBefore.batches, units: app.db.writes.units - writesBefore.units };
    expect(writes.units).toBe(40);
    expect(writes.batches).toBeGreaterThanOrEqual(1);
    expect(writes.batches).toBeLessThan(5);
    expect(app.db.writes.failedBatches).toBe(writesBefore.failedBatches);
    if (app.db.client === 'sqlite') {
      // The failing write's transaction, queued beside them, is the only one rolled back and none committed.
      expect(statements.filter((sql) => sql.startsWith('ROLLBACK'))).toHaveLength(1);
      expect(app.db.writes.transactions).toBe(writesBefore.transactions);
    }
  });

  test("one ticket's advances sent at once are stored in the order sent, each seeing the one before", async () => {
    const { id } = await play(app, AT_ANSWER);
    app.clock.advance(2 * MIN);
    const [answered, graded] = await Promise.all([
      app.tickets.advance(id, { type: 'answer', fields: { issueSummary: 'parcel lost' }, expectedRevision: 1 }, agent(1)),
      app.tickets.advance(id, { type: 'grade', fields: { level: 'L1' }, expectedRevision: 2 }, agent(2)),
    ]);
    expect(answered).toMatchObject({ revision: 2, state: ['Task_Grade'] });
    expect(graded).toMatchObject({ revision: 3, state: ['Task_L1Resolve'], fields: { issueSummary: 'parcel lost', level: 'L1' } });
    const log = (await app.tickets.get(id)).stepLog.map(({ step, actor }) => ({ step, actor }));
    expect(log.slice(1)).toEqual([
      { step: 'Task_Answer', actor: agent(1) },
      { step: 'Task_Grade', actor: agent(2) },
      { step: 'Task_L1Resolve', actor: undefined },
    ]);
  });

  test("closing waits for every advance asked for, a ticket's second one too, and each is stored", async () => {
    const other = await openTestSopflow(database(), { workflows: ['customer-inquiry'] });
    const tickets = await Promise.all(Array.from({ length: 4 }, () => play(other, AT_ANSWER)));
    other.clock.advance(2 * MIN);
    const [first] = tickets.map((t) => t.id) as [number];
    const advancing = [
      ...tickets.map(({ id }, i) => other.tickets.advance(id, { type: 'answer', fields: { issueSummary: 'parcel lost' }, expectedRevision: 1 }, agent(i))),
      // Stored only once the answer before it is: after close was called.
      other.tickets.advance(first, { type: 'grade', fields: { level: 'L1' }, expectedRevision: 2 }, agent(9)),
    ];
    await other.close();
    expect((await Promise.all(advancing)).map((t) => t.revision)).toEqual([2, 2, 2, 2, 3]);
    expect(await app.tickets.get(first)).toMatchObject({ revision: 3, state: ['Task_L1Resolve'] });
  });

  test('an advance whose write the database refuses fails alone: the advances stored with it are kept', async () => {
    const tickets = await Promise.all(Array.from({ length: 10 }, () => play(app, AT_ANSWER)));
    const [refused, ...rest] = tickets.map((t) => t.id) as [number, ...number[]];
    const untouched = await footprint(app, refused);
    await refuseUpdatesOf(app, refused);
    app.clock.advance(3 * MIN);

    const settled = await Promise.allSettled(tickets.map(({ id }, i) => app.tickets.advance(id, { type: 'answer', expectedRevision: 1 }, agent(i))));

    const { won, errors } = outcomes(settled);
    expect(won.map((t) => t.id)).toEqual(rest);
    expect(won.every((t) => t.revision === 2)).toBe(true);
    expect(errors).toEqual([expect.objectContaining({ message: expect.stringContaining('refused by the test') })]);
    expect(await footprint(app, refused)).toEqual(untouched);
    expect(await count(app.db.knex('step_log').whereIn('ticket_id', rest).where({ step: 'Task_Grade' }).whereNull('exited_at'))).toBe(9);
  });
});

/** A trigger that fails every UPDATE of one ticket's row, as a full disk or a broken constraint would. */
async function refuseUpdatesOf(app: TestApp, id: number): Promise<void> {
  if (app.db.client === 'sqlite') {
    await app.db.knex.raw(`CREATE TRIGGER refuse_ticket BEFORE UPDATE ON tickets WHEN NEW.id = ${id} BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`);
    return;
  }
  await app.db.knex.raw(
    `CREATE FUNCTION refuse_ticket() RETURNS trigger AS $$ BEGIN IF NEW.id = ${id} THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`,
  );
  await app.db.knex.raw('CREATE TRIGGER refuse_ticket BEFORE UPDATE ON tickets FOR EACH ROW EXECUTE FUNCTION refuse_ticket()');
}

/** Another process holding the SQLite file's write lock for `ms`, as a second server or the CLI would. */
async function holdWriteLock(filename: string, ms: number): Promise<{ released: Promise<unknown> }> {
  const holder = `const db = new (require('better-sqlite3'))(process.argv[1]);
    db.exec('BEGIN IMMEDIATE');
    process.stdout.write('locked\\n');
    setTimeout(() => { db.exec('COMMIT'); db.close(); }, Number(process.argv[2]));`;
  const child = spawn(process.execPath, ['-e', holder, filename, String(ms)], {
    cwd: fileURLToPath(new URL('../../../', import.meta.url)),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const released = once(child, 'exit');
  await once(createInterface({ input: child.stdout }), 'line');
  // Wrapped: an async function returning the promise itself would wait for it.
  return { released };
}

describe('one SQLite file written by two processes', () => {
  test("an advance (which reads before it writes) waits for the other process's write lock instead of failing", async () => {
    const database = sqliteDatabase();
    if (database.config.client !== 'sqlite') throw new Error('expected SQLite');
    const app = await openTestSopflow(database, { workflows: ['customer-inquiry'] });
    try {
      const { id } = await play(app, AT_ANSWER);
      const { released } = await holdWriteLock(database.config.filename, 300);
      const moved = await app.tickets.advance(id, { type: 'answer', expectedRevision: 1 }, agent(1));
      expect(moved).toMatchObject({ revision: 2, state: ['Task_Grade'] });
      expect(await released).toEqual([0, null]);
    } finally {
      await app.close();
      await database.drop();
    }
  });
});

import { readFileSync } from 'node:fs';
import { signalEvent } from '../../../server/engine/compile/event-kinds.js';
import { importBpmnOrThrow } from '../../../server/engine/import-bpmn.js';
import type { Advance } from '../../../server/engine/ticket-engine.js';
import type { Workflow } from '../../../server/engine/workflow.js';
import { ManualClock } from '../../../server/shared/clock.js';
import { MessageNotAwaitedError } from '../../../server/shared/errors.js';
import { eachDatabase } from '../../helpers/databases.js';
import { randomWalk, seeded, type Walk } from '../../helpers/random-walk.js';
import { openTestSopflow } from '../../helpers/sopflow.js';
import { SignalRepository } from '../../../server/data/signals/signal-repository.js';
import { Signals } from '../../../server/services/signals/signals.js';
import { count } from './support/inspect.js';
import type { TestApp } from './support/play.js';

const FIXTURES = ['message-events', 'signal-events', 'signal-throw', 'throw-events', 'beside-the-step', 'event-subprocesses', 'escalation-throw'] as const;
const source = (name: string) => readFileSync(new URL(`../../fixtures/bpmn/${name}.bpmn`, import.meta.url));
/** The random walks' first instant. */
const WALK_T0 = Date.parse('2026-01-05T09:00:00Z');
const MIN = 60_000;
const LEASE_MS = 60_000;

/** A signal deliverer as a server process runs one, named `instance`, three tickets a batch. */
function deliverer(app: TestApp, instance: string): Signals {
  return new Signals(new SignalRepository(app.db), app.messages, app.workflows, app.clock, { instance, intervalMs: 1000, batchSize: 3, leaseMs: LEASE_MS });
}

async function open(database: Parameters<typeof openTestSopflow>[0]): Promise<TestApp> {
  const app = await openTestSopflow(database, { clock: new ManualClock(WALK_T0), workflows: [] });
  for (const name of FIXTURES) await app.workflows.import(source(name), 'tester@example.com');
  return app;
}

async function newTicket(app: TestApp, workflow: string, vip = false): Promise<number> {
  const ticket = await app.tickets.create({ workflow, channel: 'chat', subject: workflow, customer: { name: 'Zhang Wei' }, vip }, 'agent@example.com');
  return ticket.id;
}

/** What the walk and the stored ticket must agree on after each move. */
function viewOf(result: Pick<Advance, 'activeSteps' | 'allowedEvents' | 'done'>) {
  return { steps: [...result.activeSteps].sort(), allowed: [...result.allowedEvents].sort(), done: result.done };
}

/** The walk's moves again, through the stored runtime: agents' events, messages by name, signals raised and delivered, timers fired. */
async function replayStored(app: TestApp, workflow: Workflow, walk: Walk): Promise<number> {
  const id = await newTicket(app, workflow.key, walk.final.vip);
  for (const [i, move] of walk.moves.entries()) {
    const expected = walk.results[i + 1]!;
    if (move.kind === 'timer') {
      const row = (await app.db
        .knex('timers')
        .where({ ticket_id: id, kind: move.timerKind })
        .whereNull('fired_at')
        .whereNull('cancelled_at')
        .orderBy('due_at')
        .first()) as {
        id: number | string;
        key: string;
        due_at: number | string;
      };
      const timer = { id: Number(row.id), ticketId: id, key: row.key, dueAt: Number(row.due_at) };
      app.clock.set(Math.max(app.clock.now(), timer.dueAt));
      const { failed } = await app.tickets.fireTimers([timer]);
      expect(failed).toEqual([]);
    } else {
      app.clock.set(expected.visitsClosed[0]?.exitedAt ?? app.clock.now());
      const trigger = workflow.triggers?.[move.type];
      if (trigger?.kind === 'signal') {
        await app.signals.raise(trigger.name, 'ops@example.com');
        await app.signals.runDue();
      } else if (trigger?.kind === 'message') await app.messages.deliver(id, { name: trigger.name, fields: move.fields }, 'crm@example.com');
      else await app.tickets.advance(id, { type: move.type, fields: move.fields }, 'walker@example.com');
    }
    const stored = await app.tickets.get(id);
    expect({ move: i, ...viewOf({ activeSteps: stored.state, allowedEvents: stored.allowedEvents, done: stored.status === 'closed' }) }).toEqual({
      move: i,
      ...viewOf(expected),
    });
  }
  const log = (await app.tickets.get(id)).stepLog.filter((row) => row.exitedAt !== undefined).map((row) => `${row.step}:${row.event}`);
  const walked = walk.results.flatMap((r) => r.visitsClosed.map((v) => `${v.step}:${v.event}`));
  expect(log.sort()).toEqual(walked.sort());
  return id;
}

eachDatabase('messages, signals, throw events and event subprocesses, stored', (database) => {
  let app: TestApp;
  afterEach(() => app?.close());

  test('"the customer cancels at any time" and "the customer adds information": messages by name, the step log names the sender', async () => {
    app = await open(database());
    const repair = await newTicket(app, 'repair_order');
    await expect(app.messages.deliver(repair, { name: 'Customer replied' }, 'crm@example.com')).rejects.toThrow(MessageNotAwaitedError);
    app.clock.advance(5 * MIN);
    const beside = await app.messages.deliver(repair, { name: 'Customer added information' }, 'crm@example.com');
    expect(beside).toMatchObject({ state: ['inspect', 'read_info'], awaitedMessages: ['Customer cancelled'], revision: 2 });
    app.clock.advance(5 * MIN);
    const cancelled = await app.messages.deliver(repair, { name: 'Customer cancelled', expectedRevision: 2 }, 'crm@example.com');
    expect(cancelled).toMatchObject({ state: ['refund'], awaitedMessages: [], revision: 3 });
    const detail = await app.tickets.get(repair);
    expect(detail.stepLog.map((r) => [r.step, r.event ?? null, r.actor ?? null])).toEqual([
      ['inspect', 'Customer cancelled', 'crm@example.com'],
      ['info_start', 'Customer added information', 'crm@example.com'],
      ['read_info', 'Customer cancelled', 'crm@example.com'],
      ['cancel_start', 'Customer cancelled', 'crm@example.com'],
      ['refund', null, null],
    ]);
  });

  test('send steps are in the step log and their messages in the outbox, written with the advance', async () => {
    app = await open(database());
    const id = await newTicket(app, 'refund');
    await app.tickets.advance(id, { type: 'complete' }, 'agent@example.com');
    const detail = await app.tickets.get(id);
    expect(detail.stepLog.map((r) => [r.step, r.event, r.automatic])).toEqual([
      ['approve', 'complete', false],
      ['approved', 'automatic', true],
      ['tell', 'automatic', true],
      ['pay', undefined, false],
    ]);
    const sent = await app.db.knex('notifications').where({ ticket_id: id }).orderBy('id').select('kind', 'step', 'message', 'recipient');
    expect(sent).toEqual([
      { kind: 'message', step: 'approved', message: 'Refund approved (milestone)', recipient: null },
      { kind: 'message', step: 'tell', message: 'Refund approved', recipient: null },
    ]);
  });

  test('a signal reaches every ticket waiting for it, in batches, each once; tickets that do not wait for it are not changed', async () => {
    app = await open(database());
    const waiting: number[] = [];
    for (let i = 0; i < 7; i++) {
      const id = await newTicket(app, 'outage_ticket');
      await app.tickets.advance(id, { type: 'complete' }, 'agent@example.com');
      await app.tickets.advance(id, { type: i % 2 ? 'yes' : 'no' }, 'agent@example.com');
      waiting.push(id);
    }
    const bystander = await newTicket(app, 'outage_ticket');
    const other = await newTicket(app, 'refund');
    const before = await app.tickets.get(bystander);
    const signal = await app.signals.raise('Outage resolved', 'ops@example.com');
    expect(signal).toMatchObject({ name: 'Outage resolved', status: 'delivering', delivered: 0 });
    expect(await app.signals.runDue()).toBe(7);
    expect(await app.signals.get(signal.id)).toMatchObject({ status: 'done', delivered: 7, finishedAt: app.clock.now() });
    for (const id of waiting) expect((await app.tickets.get(id)).state).toEqual(['confirm']);
    expect((await app.tickets.get(bystander)).revision).toBe(before.revision);
    expect((await app.tickets.get(other)).state).toEqual(['approve']);
    // Raised again, it reaches nobody: no ticket waits for it any more.
    const again = await app.signals.raise('Outage resolved', 'ops@example.com');
    expect(await app.signals.runDue()).toBe(0);
    expect(await app.signals.get(again.id)).toMatchObject({ status: 'done', delivered: 0 });
  });

  test("the server's signal deliverer takes SIGNAL_BATCH_SIZE tickets a batch, its progress stored after each", async () => {
    app = await openTestSopflow(database(), { clock: new ManualClock(WALK_T0), workflows: [], config: { signalBatchSize: 2 } });
    await app.workflows.import(source('signal-events'), 'tester@example.com');
    for (let i = 0; i < 5; i++) {
      const id = await newTicket(app, 'outage_ticket');
      await app.tickets.advance(id, { type: 'complete' }, 'agent@example.com');
      await app.tickets.advance(id, { type: 'yes' }, 'agent@example.com');
    }
    const signal = await app.signals.raise('Outage resolved', 'ops@example.com');
    const claimed = (await app.signals.claim())!;
    expect(await app.signals.deliver(claimed, 1)).toBe(2);
    expect(await app.signals.get(signal.id)).toMatchObject({ status: 'delivering', delivered: 2 });
    // The lease lapses as if the process had died: the rest goes on from the stored cursor.
    app.clock.advance(LEASE_MS + 1);
    expect(await app.signals.runDue()).toBe(3);
    expect(await app.signals.get(signal.id)).toMatchObject({ status: 'done', delivered: 5 });
  });

  test('a ticket raises a signal by its throw event: stored with the advance, then delivered to every ticket waiting for it', async () => {
    app = await open(database());
    const waiting = await newTicket(app, 'outage_ticket');
    await app.tickets.advance(waiting, { type: 'complete' }, 'agent@example.com');
    await app.tickets.advance(waiting, { type: 'yes' }, 'agent@example.com');
    const outage = await newTicket(app, 'outage');
    await app.tickets.advance(outage, { type: 'complete' }, 'engineer@example.com');
    const [raised] = (await app.db.knex('signals').select('id', 'name', 'raised_by', 'status')) as Array<{
      id: number;
      name: string;
      raised_by: string;
      status: string;
    }>;
    expect(raised).toMatchObject({ name: 'Outage resolved', raised_by: `ticket ${outage}`, status: 'delivering' });
    expect(await app.signals.runDue()).toBe(1);
    expect((await app.tickets.get(waiting)).state).toEqual(['confirm']);
    expect(await app.signals.get(Number(raised!.id))).toMatchObject({ status: 'done', delivered: 1 });
  });

  test('random walks through every construct, stored: each move leaves the ticket where the engine says, its step log the same', async () => {
    app = await open(database());
    const random = seeded(2017);
    let moves = 0;
    for (const name of FIXTURES) {
      const workflow = await importBpmnOrThrow(source(name));
      for (let i = 0; i < 4; i++) {
        const walk = randomWalk(workflow, random, 15);
        await replayStored(app, workflow, walk);
        moves += walk.moves.length;
      }
    }
    expect(moves).toBeGreaterThan(50);
    expect(await count(app.db.knex('signal_deliveries'))).toBeGreaterThan(0);
  });

  test('a signal delivered across a restart reaches each waiting ticket exactly once', async () => {
    const db = database();
    app = await open(db);
    const waiting: number[] = [];
    for (let i = 0; i < 7; i++) {
      const id = await newTicket(app, 'outage_ticket');
      await app.tickets.advance(id, { type: 'complete' }, 'agent@example.com');
      await app.tickets.advance(id, { type: 'yes' }, 'agent@example.com');
      waiting.push(id);
    }
    const raised = await app.signals.raise('Outage resolved', 'ops@example.com');
    // The first process delivers one batch of three, then dies holding the lease.
    const first = deliverer(app, 'first');
    const claimed = (await first.claim())!;
    expect(await first.deliver(claimed, 1)).toBe(3);
    const stoppedAt = app.clock.now();
    await app.close();

    app = await openTestSopflow(db, { clock: new ManualClock(stoppedAt), workflows: [] });
    const second = deliverer(app, 'second');
    // The lease is live: nobody else takes the signal over yet.
    expect(await second.claim()).toBeUndefined();
    app.clock.advance(LEASE_MS + 1);
    expect(await second.runDue()).toBe(4);
    expect(await app.signals.get(raised.id)).toMatchObject({ status: 'done', delivered: 7 });
    // A process that died after moving tickets but before its cursor was stored: looked at again, none moves twice.
    await app.db.knex('signals').where({ id: raised.id }).update({ status: 'delivering', cursor: 0, lease_owner: null, lease_until: null });
    expect(await second.runDue()).toBe(0);
    for (const id of waiting) {
      const detail = await app.tickets.get(id);
      expect(detail.state).toEqual(['confirm']);
      expect(detail.stepLog.filter((row) => row.event === signalEvent('Outage resolved'))).toHaveLength(1);
    }
    expect(await count(app.db.knex('signal_deliveries').where({ signal_id: raised.id }))).toBe(7);
  });
});

import { migrationRepository } from '../../../server/data/tickets/migration-repository.js';
import { WorkflowMigrations, type PlannedTicket } from '../../../server/services/workflows/migration.js';
import { MigrationAppliedSchema, MigrationPlanSchema } from '../../../server/web/api/workflow-migrations.schemas.js';
import { readFileSync } from 'node:fs';
import { eachDatabase } from '../../helpers/databases.js';
import { agentEvent, INQUIRY, threeTickets as seeded } from '../../helpers/migration.js';
import { PEOPLE, startTestServer, type TestServer } from '../../helpers/web-server.js';

const KEY = INQUIRY;
const MINUTE = 60_000;
const ticketOf = (workflow: string) => ({ workflow, channel: 'chat', subject: 'a question', customer: { name: 'Wang Wei' } });

/** The answer parsed by its documented schema: a field the schema does not describe would be stripped. */
function documented<T>(schema: { parse(value: unknown): T }, body: unknown): T {
  expect(schema.parse(body)).toEqual(body);
  return body as T;
}

eachDatabase('migration of waiting tickets with a replayed proof, over HTTP', (database) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(database(), { workflows: [KEY, 'standard-service'] });
  });
  afterEach(() => server.close());

  const manager = (method: string, path: string, json?: unknown) => server.asManager(method, path, json);
  const event = (id: number, type: string, fields: Record<string, unknown> = {}) => agentEvent(server, id, type, fields);
  const threeTickets = () => seeded(server);

  test('plan: one ticket moves cleanly, one lands in another step, one cannot move and why; apply moves the two', async () => {
    const { waiting, technical, unsummarised } = await threeTickets();

    // when the manager asks for the plan, then every ticket's history has been replayed through v2
    const plan = await manager('POST', `/api/workflows/${KEY}/migrations/plan`, { fromVersion: 1, toVersion: 2 });
    expect(plan.status).toBe(200);
    documented(MigrationPlanSchema, plan.body);
    expect(plan.body.counts).toEqual({ clean: 1, moved: 1, blocked: 1 });
    const byId = new Map<number, { revision: number }>(plan.body.tickets.map((t: { id: number; revision: number }) => [t.id, t]));
    expect(byId.get(waiting)).toMatchObject({ outcome: 'clean', from: ['Task_Answer'], to: ['Task_Answer'], revision: 1 });
    expect(byId.get(technical)).toMatchObject({ outcome: 'moved', from: ['Task_L2TechSupport'], to: ['Task_L3Management'] });
    expect(byId.get(unsummarised)).toMatchObject({
      outcome: 'blocked',
      from: ['Task_Grade'],
      reason: { code: 'field_required', event: 'answer', step: 'Task_Answer', fields: ['issueSummary'] },
    });
    // and nothing was written: the tickets are still on version 1
    expect((await server.call('GET', `/api/tickets/${technical}`)).body).toMatchObject({ version: 1, state: ['Task_L2TechSupport'] });

    // when the ticket that cannot move is chosen as well, then the whole apply is refused, naming it
    const chosen = plan.body.tickets.map((t: { id: number; revision: number }) => ({ id: t.id, revision: t.revision }));
    const refused = await manager('POST', `/api/workflows/${KEY}/migrations/apply`, { fromVersion: 1, toVersion: 2, tickets: chosen });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'validation_failed', details: [{ field: `tickets.${unsummarised}` }] });
    // with the ticket and the block's code as values, for a page to word in its reader's language
    expect(refused.body.error.details[0]).toMatchObject({ code: 'ticketCannotMove', values: { ticket: unsummarised, reason: 'field_required' } });
    expect((await server.call('GET', `/api/tickets/${waiting}`)).body.version).toBe(1);

    // a ticket listed twice (at a stale revision and the current one) is refused, naming the second listing
    const movable = chosen.filter((t: { id: number }) => t.id !== unsummarised);
    const repeated = [{ ...movable[0], revision: movable[0].revision + 5 }, ...movable];
    const twice = await manager('POST', `/api/workflows/${KEY}/migrations/apply`, { fromVersion: 1, toVersion: 2, tickets: repeated });
    expect(twice.body.error).toMatchObject({
      code: 'validation_failed',
      details: [{ field: 'tickets.1', code: 'ticketListedTwice', values: { ticket: movable[0].id } }],
    });
    expect((await server.call('GET', `/api/tickets/${waiting}`)).body.version).toBe(1);

    // when the two that can move are applied
    const applied = await manager('POST', `/api/workflows/${KEY}/migrations/apply`, { fromVersion: 1, toVersion: 2, tickets: movable });
    expect(applied.status).toBe(200);
    documented(MigrationAppliedSchema, applied.body);
    expect(applied.body.moved).toEqual(
      expect.arrayContaining([
        { id: waiting, revision: 2, steps: ['Task_Answer'] },
        { id: technical, revision: byId.get(technical)!.revision + 1, steps: ['Task_L3Management'] },
      ]),
    );

    // then the moved ticket runs on v2 in its new step, with the step log saying so and the new step's limit armed
    const moved = (await server.call('GET', `/api/tickets/${technical}`)).body;
    expect(moved).toMatchObject({ version: 2, state: ['Task_L3Management'], revision: byId.get(technical)!.revision + 1 });
    expect(moved.stepLog).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ step: 'Task_L2TechSupport', event: 'migrated v1 → v2', actor: PEOPLE.manager.email }),
        expect.objectContaining({ step: 'Task_L3Management', slaMs: 48 * 60 * MINUTE }),
      ]),
    );
    expect(moved.stepLog.filter((v: { exitedAt?: number }) => v.exitedAt === undefined)).toHaveLength(1);
    expect(moved.pendingTimers.map((t: { kind: string; step?: string }) => `${t.kind}:${t.step ?? ''}`)).toEqual(
      expect.arrayContaining(['sla-breach:Task_L3Management']),
    );
    expect(moved.pendingTimers.some((t: { step?: string }) => t.step === 'Task_L2TechSupport')).toBe(false);
    // and it goes on on v2; the ticket that could not move stays on v1
    expect(await event(technical, 'resolve', { solution: 'goodwill voucher' })).toMatchObject({ state: ['Task_Feedback'] });
    expect((await server.call('GET', `/api/tickets/${unsummarised}`)).body).toMatchObject({ version: 1, state: ['Task_Grade'] });
    expect(await event(waiting, 'answer', { issueSummary: 'password reset' })).toMatchObject({ state: ['Task_Grade'] });

    // and the apply is audited: who, and which tickets from which revisions to which steps
    const audit = (await server.app.audit.page()).items.find((entry) => entry.action === 'workflow.migrate');
    expect(audit).toMatchObject({ actor: PEOPLE.manager.email, target: `workflow ${KEY} v1 → v2`, before: { version: 1 }, after: { version: 2 } });
    expect((audit!.after!.tickets as Array<{ id: number }>).map((t) => t.id).sort()).toEqual([waiting, technical].sort());
  });

  test('a ticket that changed since the plan is refused at apply, and nothing of the apply is written', async () => {
    const { waiting, technical } = await threeTickets();
    const plan = await manager('POST', `/api/workflows/${KEY}/migrations/plan`, { fromVersion: 1, toVersion: 2, tickets: [waiting, technical] });
    expect(plan.body.counts).toEqual({ clean: 1, moved: 1, blocked: 0 });
    const chosen = plan.body.tickets.map((t: { id: number; revision: number }) => ({ id: t.id, revision: t.revision }));

    // when an agent moves one of them on after the plan
    await event(waiting, 'answer', { issueSummary: 'password reset' });

    // then the apply is refused with the stale ticket named, and the other is not moved either
    const refused = await manager('POST', `/api/workflows/${KEY}/migrations/apply`, { fromVersion: 1, toVersion: 2, tickets: chosen });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'conflict', details: { stale: [{ id: waiting, expectedRevision: 1, currentRevision: 2 }] } });
    const other = (await server.call('GET', `/api/tickets/${technical}`)).body;
    expect(other).toMatchObject({
      version: 1,
      state: ['Task_L2TechSupport'],
      revision: plan.body.tickets.find((t: { id: number }) => t.id === technical).revision,
    });
    expect((await server.app.audit.page()).items.some((entry) => entry.action === 'workflow.migrate')).toBe(false);
  });

  test('one ticket whose row moved on inside the transaction rolls back the tickets moved before it', async () => {
    const { waiting, technical } = await threeTickets();
    const repository = migrationRepository(server.app.db);
    const v1 = await server.app.workflows.version(KEY, 1);
    const v2 = await server.app.workflows.version(KEY, 2);
    const candidates = await repository.openTickets(v1.id, { after: 0, limit: 10, ids: [waiting, technical] });
    const moves = candidates.map(({ record }) => ({
      ticketId: record.id,
      fromVersionId: v1.id,
      toVersionId: v2.id,
      toVersion: 2,
      // the second was read at a row version another writer has replaced since
      expectedRowVersion: record.id === technical ? record.rowVersion - 1 : record.rowVersion,
      expectedRevision: record.revision,
      columns: {
        level: null,
        vip: false,
        fields: record.fields,
        state: record.state,
        revision: record.revision + 1,
        dueAt: null,
        updatedAt: server.app.clock.now(),
        closedAt: null,
        facts: record.facts,
      },
      openVisits: [],
      timers: [],
      at: server.app.clock.now(),
      actor: PEOPLE.manager.email,
      event: 'migrated v1 → v2',
    }));
    await expect(repository.apply(moves, [])).rejects.toMatchObject({ code: 'conflict', details: { stale: [{ id: technical }] } });
    // the first ticket's row, step log and timers are as they were
    const first = (await server.call('GET', `/api/tickets/${waiting}`)).body;
    expect(first).toMatchObject({ version: 1, revision: 1, state: ['Task_Answer'] });
    expect(first.stepLog.find((v: { step: string }) => v.step === 'Task_Answer').exitedAt).toBeUndefined();
    expect(first.pendingTimers.length).toBeGreaterThan(0);
  });

  test('the dry run reads tickets in batches: batches of one give the same plan, whole or for chosen tickets', async () => {
    const { waiting, technical, unsummarised } = await threeTickets();
    const { app } = server;
    const oneByOne = new WorkflowMigrations(migrationRepository(app.db), app.workflows, app.audit, app.clock, {}, { batchSize: 1 });
    const seen: PlannedTicket[] = [];
    const counts = await oneByOne.dryRun(KEY, 1, 2, (planned) => seen.push(planned));
    expect(counts).toEqual({ clean: 1, moved: 1, blocked: 1 });
    expect(seen.map((t) => [t.id, t.outcome])).toEqual([
      [waiting, 'clean'],
      [technical, 'moved'],
      [unsummarised, 'blocked'],
    ]);
    const chosen = await oneByOne.plan(KEY, 1, 2, [unsummarised, waiting, unsummarised]);
    expect(chosen.tickets.map((t) => [t.id, t.outcome])).toEqual([
      [waiting, 'clean'],
      [unsummarised, 'blocked'],
    ]);
  });

  test("each event is replayed with the values given with it, not the ticket's last ones", async () => {
    // a customer not satisfied the first time, satisfied the second: the step log keeps both answers
    const opened = await server.call('POST', '/api/tickets', { json: { ...ticketOf('standard-service'), subject: 'refund' } });
    const id = (opened.body as { id: number }).id;
    await event(id, 'accept', { request: 'refund for order 17' });
    await event(id, 'analyse', { needType: 'return' });
    await event(id, 'provide_solution', { solution: 'store credit' });
    await event(id, 'confirm', { satisfied: false });
    await event(id, 'provide_solution', { solution: 'refund to card' });
    expect(await event(id, 'confirm', { satisfied: true, satisfaction: 5 })).toMatchObject({ state: ['Task_SummarizeRecord'] });
    const source = readFileSync(new URL('../../../workflows/standard-service.bpmn', import.meta.url), 'utf8');
    const v2 = source.replace('sla="PT2H" vipSla="PT1H"', 'sla="PT3H" vipSla="PT1H"');
    expect(v2).not.toBe(source);
    await server.app.workflows.import(v2, PEOPLE.manager.email);

    // replayed with the ticket's last answer (satisfied) the first confirm would skip the second solution
    const plan = await manager('POST', '/api/workflows/standard-service/migrations/plan', { fromVersion: 1, toVersion: 2 });
    expect(plan.body.tickets).toEqual([expect.objectContaining({ id, outcome: 'clean', from: ['Task_SummarizeRecord'], to: ['Task_SummarizeRecord'] })]);
  });

  test('only managers and admins plan and apply; an agent is refused', async () => {
    await threeTickets();
    const body = { fromVersion: 1, toVersion: 2 };
    expect((await server.call('POST', `/api/workflows/${KEY}/migrations/plan`, { json: body })).status).toBe(403);
    expect((await server.call('POST', `/api/workflows/${KEY}/migrations/apply`, { json: { ...body, tickets: [{ id: 1, revision: 1 }] } })).status).toBe(403);
    const admin = (await server.app.users.createToken(PEOPLE.admin.email)).token;
    const plan = await server.call('POST', `/api/workflows/${KEY}/migrations/plan`, { token: admin, json: body });
    expect(plan.status).toBe(200);
    expect(plan.body.counts).toEqual({ clean: 1, moved: 1, blocked: 1 });
    // backwards, or to a version that does not exist: refused
    const backwards = await manager('POST', `/api/workflows/${KEY}/migrations/plan`, { fromVersion: 2, toVersion: 1 });
    expect(backwards.body.error).toMatchObject({
      code: 'validation_failed',
      details: [{ field: 'toVersion', code: 'versionNotLater', values: { from: 2, to: 1 } }],
    });
    expect((await manager('POST', `/api/workflows/${KEY}/migrations/plan`, { fromVersion: 1, toVersion: 9 })).status).toBe(404);
  });
});

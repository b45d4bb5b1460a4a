import { readFileSync } from 'node:fs';
import { migrationRepository } from '../../../server/data/tickets/migration-repository.js';
import { MigrationAppliedSchema, MigrationPlanSchema } from '../../../server/web/api/workflow-migrations.schemas.js';
import { eachDatabase } from '../../helpers/databases.js';
import { PEOPLE, startTestServer, type TestServer } from '../../helpers/web-server.js';

const KEY = 'customer-inquiry';
const TICKET = { workflow: KEY, channel: 'chat', subject: 'cannot log in', customer: { name: 'Wang Wei' } };
const MINUTE = 60_000;

/**
 * Version 2 of the inquiry SOP: the issue summary is now required when answering, and the gateway sends
 * L2 to management and L3 to technical support (the two conditions swapped).
 */
function version2(): string {
  const v1 = readFileSync(new URL('../../../workflows/customer-inquiry.bpmn', import.meta.url), 'utf8');
  const v2 = v1
    .replace(
      '<sop:field name="issueSummary" label="问题摘要 Issue summary" type="text" required="false" />',
      '<sop:field name="issueSummary" label="问题摘要 Issue summary" type="text" required="true" />',
    )
    .replace(/(id="Flow_Level_L2"[\s\S]*?level = &quot;)L2(&quot;)/, '$1L3$2')
    .replace(/(id="Flow_Level_L3"[\s\S]*?level = &quot;)L3(&quot;)/, '$1L2$2');
  expect(v2.match(/required="true"/g)!.length).toBe(v1.match(/required="true"/g)!.length + 1);
  return v2;
}

/** The answer parsed by its documented schema: a field the schema does not describe would be stripped. */
function documented<T>(schema: { parse(value: unknown): T }, body: unknown): T {
  expect(schema.parse(body)).toEqual(body);
  return body as T;
}

eachDatabase('migration of waiting tickets with a replayed proof, over HTTP', (database) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(database(), { workflows: [KEY] });
  });
  afterEach(() => server.close());

  const manager = (method: string, path: string, json?: unknown) =>
    server.call(method, path, { token: server.tokens.manager, ...(json !== undefined ? { json } : {}) });
  const event = async (id: number, type: string, fields: Record<string, unknown> = {}) => {
    server.app.clock.advance(3 * MINUTE);
    const answer = await server.call('POST', `/api/tickets/${id}/events`, { json: { type, fields } });
    expect(answer.status).toBe(200);
    return answer.body as { revision: number; state: string[] };
  };
  const open = async () => ((await server.call('POST', '/api/tickets', { json: TICKET })).body as { id: number }).id;

  /** Three tickets on v1: one waiting to be answered, one with technical support (L2), one answered without a summary; then v2. */
  async function threeTickets(): Promise<{ waiting: number; technical: number; unsummarised: number }> {
    const waiting = await open();
    const technical = await open();
    await event(technical, 'answer', { issueSummary: 'app crashes on login' });
    await event(technical, 'grade', { level: 'L2' });
    const unsummarised = await open();
    await event(unsummarised, 'answer');
    await server.app.workflows.import(version2(), PEOPLE.manager.email);
    server.app.clock.advance(10 * MINUTE);
    return { waiting, technical, unsummarised };
  }

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
    expect((await server.call('GET', `/api/tickets/${waiting}`)).body.version).toBe(1);

    // when the two that can move are applied
    const movable = chosen.filter((t: { id: number }) => t.id !== unsummarised);
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
    expect((await manager('POST', `/api/workflows/${KEY}/migrations/plan`, { fromVersion: 2, toVersion: 1 })).body.error.code).toBe('validation_failed');
    expect((await manager('POST', `/api/workflows/${KEY}/migrations/plan`, { fromVersion: 1, toVersion: 9 })).status).toBe(404);
  });
});

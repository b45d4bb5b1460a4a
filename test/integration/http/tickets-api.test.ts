import { TicketPageSchema, TicketSchema } from '../../../server/web/api/tickets.schemas.js';
import { TicketWithIncidentsSchema } from '../../../server/web/api/incidents.schemas.js';
import { eachDatabase } from '../../helpers/databases.js';
import { T0 } from '../../helpers/sopflow.js';
import { AGENT, startTestServer, type TestServer } from '../../helpers/web-server.js';

const MIN = 60_000;
const INQUIRY = { workflow: 'customer-inquiry', channel: 'chat', subject: 'cannot log in', customer: { name: 'Wang Wei', externalId: 'crm-17' } };

function documented(schema: { parse(value: unknown): unknown }, body: unknown): void {
  expect(schema.parse(body)).toEqual(body);
}

eachDatabase('HTTP API: tickets', (database) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(database());
  });
  afterEach(() => server.close());

  const advance = (id: number, json: unknown) => server.call('POST', `/api/tickets/${id}/events`, { json });
  /** A customer inquiry answered after 3 min and graded L1 after 4 more: waiting in Task_L1Resolve at revision 3. */
  async function gradedTicket(): Promise<number> {
    const created = await server.call('POST', '/api/tickets', { json: INQUIRY });
    server.app.clock.advance(3 * MIN);
    await advance(created.body.id, { type: 'answer', expectedRevision: 1 });
    server.app.clock.advance(4 * MIN);
    await advance(created.body.id, { type: 'grade', fields: { level: 'L1' }, expectedRevision: 2 });
    return created.body.id as number;
  }

  test('create, then advance along a path with expectedRevision; the ticket shows its step log with durations and its pending timers', async () => {
    const created = await server.call('POST', '/api/tickets', { json: INQUIRY });
    expect(created.status).toBe(201);
    documented(TicketSchema, created.body);
    expect(created.body).toMatchObject({
      workflow: 'customer-inquiry',
      version: 1,
      state: ['Task_Answer'],
      // the customer may also leave before anyone answers
      allowedEvents: ['answer', 'abandon'],
      revision: 1,
      createdBy: AGENT,
    });
    const { id } = created.body;

    server.app.clock.advance(3 * MIN);
    const answered = await advance(id, { type: 'answer', fields: { issueSummary: 'password' }, expectedRevision: 1 });
    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({ state: ['Task_Grade'], allowedEvents: ['grade'], revision: 2 });

    server.app.clock.advance(4 * MIN);
    const graded = await advance(id, { type: 'grade', fields: { level: 'L1' }, expectedRevision: 2 });
    expect(graded.body).toMatchObject({ state: ['Task_L1Resolve'], level: 'L1', revision: 3 });

    server.app.clock.advance(10 * MIN);
    const ticket = await server.call('GET', `/api/tickets/${id}`);
    expect(ticket.status).toBe(200);
    documented(TicketWithIncidentsSchema, ticket.body);
    expect(ticket.body.stepLog).toEqual([
      expect.objectContaining({ step: 'Service_BotPreClassify', enteredAt: T0, exitedAt: T0, durationMs: 0, automatic: true }),
      expect.objectContaining({
        step: 'Task_Answer',
        enteredAt: T0,
        exitedAt: T0 + 3 * MIN,
        durationMs: 3 * MIN,
        actor: AGENT,
        event: 'answer',
        slaMs: 5 * MIN,
        breached: false,
      }),
      expect.objectContaining({
        step: 'Task_Grade',
        enteredAt: T0 + 3 * MIN,
        exitedAt: T0 + 7 * MIN,
        durationMs: 4 * MIN,
        actor: AGENT,
        event: 'grade',
        slaMs: 10 * MIN,
      }),
      expect.objectContaining({ step: 'Task_L1Resolve', enteredAt: T0 + 7 * MIN, slaMs: 30 * MIN, breached: false }),
    ]);
    expect(ticket.body.stepLog[3]).not.toHaveProperty('exitedAt');
    expect(ticket.body.pendingTimers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'sla-breach', step: 'Task_L1Resolve', dueAt: T0 + 37 * MIN }),
        expect.objectContaining({ kind: 'ticket-sla-breach' }),
      ]),
    );
  });

  test('a stale expectedRevision is 409 and writes nothing: revision and step log stay as they were', async () => {
    const id = await gradedTicket();
    const before = (await server.call('GET', `/api/tickets/${id}`)).body;

    server.app.clock.advance(5 * MIN);
    const stale = await advance(id, { type: 'resolve', expectedRevision: 2 });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ code: 'conflict', details: { currentRevision: 3 } });

    const after = (await server.call('GET', `/api/tickets/${id}`)).body;
    expect(after).toEqual(before);
  });

  test('an event the step does not offer is 422 listing the allowed events, and writes nothing', async () => {
    const id = await gradedTicket();
    const before = (await server.call('GET', `/api/tickets/${id}`)).body;

    const refused = await advance(id, { type: 'send_feedback', expectedRevision: 3 });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: 'event_not_allowed', details: { allowedEvents: ['resolve'] } });
    expect((await server.call('GET', `/api/tickets/${id}`)).body).toEqual(before);
  });

  test('bad input is 400 with field-level details: the schema, then the step fields', async () => {
    const missing = await server.call('POST', '/api/tickets', { json: { workflow: 'customer-inquiry', customer: {}, vip: 'yes' } });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('validation_failed');
    expect(missing.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['channel', 'customer.name', 'subject', 'vip']);

    const typo = await advance(1, { type: 'answer', expectedRevison: 1 });
    expect(typo.body.error).toMatchObject({ code: 'validation_failed', details: [{ field: 'expectedRevison', message: expect.any(String) }] });

    const id = (await server.call('POST', '/api/tickets', { json: INQUIRY })).body.id;
    await advance(id, { type: 'answer' });
    const badLevel = await advance(id, { type: 'grade', fields: { level: 'L4' } });
    expect(badLevel.status).toBe(400);
    expect(badLevel.body.error).toMatchObject({ code: 'validation_failed', details: [{ field: 'level', message: expect.any(String) }] });

    // Blank is refused by the service, as the intake page refuses it.
    const blank = await server.call('POST', '/api/tickets', { json: { ...INQUIRY, subject: '   ', customer: { name: '\t ' } } });
    expect([blank.status, blank.body.error.details.map((d: { field: string }) => d.field).sort()]).toEqual([400, ['customer.name', 'subject']]);

    // A field another step declares keeps its type and bounds wherever it is sent: with the new ticket or an earlier step.
    const early = await server.call('POST', '/api/tickets', { json: { ...INQUIRY, fields: { satisfaction: 99, resolved: 'maybe' } } });
    expect([early.status, early.body.error.code, early.body.error.details.map((d: { field: string }) => d.field).sort()]).toEqual([
      400,
      'validation_failed',
      ['resolved', 'satisfaction'],
    ]);
    const other = (await server.call('POST', '/api/tickets', { json: INQUIRY })).body.id;
    const early2 = await advance(other, { type: 'answer', fields: { satisfaction: 'abc' } });
    expect([early2.status, early2.body.error.details]).toEqual([
      400,
      [{ field: 'satisfaction', message: expect.any(String), code: 'fieldNotNumber', values: { label: expect.any(String) } }],
    ]);
    expect((await server.call('GET', `/api/tickets/${other}`)).body).toMatchObject({
      revision: 1,
      fields: expect.not.objectContaining({ satisfaction: 'abc' }),
    });
    const typed = await advance(other, { type: 'answer', fields: { satisfaction: '4' } });
    expect([typed.status, typed.body.fields.satisfaction]).toEqual([200, 4]);

    const badId = await server.call('GET', '/api/tickets/abc');
    expect(badId.body.error).toMatchObject({ code: 'validation_failed', details: [{ field: 'id' }] });
    // One spelling per id: 0x10 is not ticket 16, nor 1e1 ticket 10, nor 010 ticket 10.
    for (const spelling of ['0x10', '1e1', '010', '+1', '1.0', '99999999999999999']) {
      const refused = await server.call('GET', `/api/tickets/${spelling}`);
      expect([spelling, refused.status, refused.body.error.code]).toEqual([spelling, 400, 'validation_failed']);
    }
    const unknown = await server.call('GET', '/api/tickets/4242');
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'not_found']);
  });

  test('the list is a page of tickets, most urgent first: VIP first, then the nearest breach', async () => {
    const open = async (subject: string, vip: boolean) => {
      const { body } = await server.call('POST', '/api/tickets', { json: { ...INQUIRY, subject, vip, customer: { name: subject } } });
      server.app.clock.advance(MIN);
      return body.id as number;
    };
    const early = await open('early', false);
    const late = await open('late', false);
    // Opened last, with its 15 s VIP limit still due after the others' 5 min: only being VIP puts it first.
    server.app.clock.advance(10 * MIN);
    const vip = await open('vip, opened last', true);
    await server.call('POST', '/api/tickets', { json: { workflow: 'phone-service', channel: 'phone', subject: 'phone', customer: { name: 'Li' } } });

    const page = await server.call('GET', '/api/tickets?workflow=customer-inquiry&state=open');
    expect(page.status).toBe(200);
    documented(TicketPageSchema, page.body);
    expect(page.body.items.map((t: { id: number }) => t.id)).toEqual([vip, early, late]);
    expect(page.body).not.toHaveProperty('next');

    // Once their breach timers have fired, the overdue tickets stay ahead of a fresh one due in 5 min.
    expect((await server.app.scheduler.runDue()).fired).toBeGreaterThan(0);
    const fresh = await open('fresh', false);
    const overdue = await server.call('GET', '/api/tickets?workflow=customer-inquiry&state=open');
    expect(overdue.body.items.map((t: { id: number }) => t.id)).toEqual([vip, early, late, fresh]);
    await server.call('POST', `/api/tickets/${fresh}/events`, { json: { type: 'answer' } });

    const first = await server.call('GET', '/api/tickets?workflow=customer-inquiry&limit=2');
    expect(first.body).toMatchObject({ items: [{ id: vip }, { id: early }], next: expect.any(String) });
    const second = await server.call('GET', `/api/tickets?workflow=customer-inquiry&limit=2&cursor=${first.body.next}`);
    expect(second.body.items.map((t: { id: number }) => t.id)).toEqual([late, fresh]);
    // The last page says so: no `next`, rather than a cursor to an empty page.
    expect(second.body).not.toHaveProperty('next');
    expect((await server.call('GET', '/api/tickets?state=Task_Answer')).body.items).toHaveLength(3);

    const bad = await server.call('GET', '/api/tickets?limit=0&colour=red&offset=2');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['colour', 'limit', 'offset']);
    expect(bad.body.error.details.find((d: { field: string }) => d.field === 'limit')).toMatchObject({ code: 'outOfRange', values: { min: 1, max: 100 } });
    for (const query of ['limit=101', 'limit=0x10', 'cursor=not-a-cursor', 'cursor=MS4xLjE.', 'customer=1e3']) {
      const refused = await server.call('GET', `/api/tickets?${query}`);
      expect([query, refused.status, refused.body.error.code]).toEqual([query, 400, 'validation_failed']);
    }
  });

  test('cursor paging walks every ticket exactly once, in the order of the list, however the page size cuts it', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 23; i++) {
      const json = i % 4 === 0 ? { workflow: 'phone-service', channel: 'phone', subject: `p${i}`, customer: { name: 'Li' } } : { ...INQUIRY, vip: i % 3 === 0 };
      ids.push((await server.call('POST', '/api/tickets', { json })).body.id as number);
      server.app.clock.advance(i % 5 === 0 ? 0 : MIN);
    }
    // Some closed, some with no due time: every run of the order (open/closed, VIP, due or not) is crossed.
    await server.app.db.write((trx) => trx('tickets').whereIn('id', ids.slice(0, 4)).update({ due_at: null }));
    await server.app.db.write((trx) => trx('tickets').whereIn('id', ids.slice(20)).update({ closed_at: T0 }));
    const whole = (await server.call('GET', '/api/tickets?limit=100')).body.items.map((t: { id: number }) => t.id) as number[];
    expect([...whole].sort((a, b) => a - b)).toEqual(ids);
    for (const size of [1, 4, 7]) {
      const walked: number[] = [];
      let next: string | undefined;
      do {
        const page = await server.call('GET', `/api/tickets?limit=${size}${next ? `&cursor=${next}` : ''}`);
        expect(page.status).toBe(200);
        expect(page.body.items.length).toBeLessThanOrEqual(size);
        walked.push(...page.body.items.map((t: { id: number }) => t.id));
        next = page.body.next as string | undefined;
      } while (next);
      expect(walked).toEqual(whole);
    }
  });

  test('PATCH makes a ticket VIP mid-step: the step limit becomes the VIP one, the time used is kept; reminders do not make the revision stale', async () => {
    const id = await gradedTicket();
    server.app.clock.advance(10 * MIN);
    const vip = await server.call('PATCH', `/api/tickets/${id}`, { json: { vip: true, expectedRevision: 3 } });
    expect(vip.status).toBe(200);
    documented(TicketSchema, vip.body);
    // Task_L1Resolve was entered at T0 + 7 min; its VIP limit is 15 min instead of 30.
    expect(vip.body).toMatchObject({
      vip: true,
      revision: 3,
      steps: [expect.objectContaining({ id: 'Task_L1Resolve', slaMs: 15 * MIN, dueAt: T0 + 22 * MIN })],
    });

    server.app.clock.advance(3 * MIN);
    expect((await server.app.scheduler.runDue()).fired).toBe(1);
    const warned = await server.call('GET', `/api/tickets/${id}`);
    expect(warned.body.revision).toBe(3);
    expect((await advance(id, { type: warned.body.allowedEvents[0], expectedRevision: 3 })).status).toBe(200);

    const stale = await server.call('PATCH', `/api/tickets/${id}`, { json: { vip: false, expectedRevision: 3 } });
    expect(stale.status).toBe(409);
    const unknown = await server.call('PATCH', `/api/tickets/${id}`, { json: { calendar: 'mars-office' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details).toEqual([expect.objectContaining({ field: 'calendar' })]);
    expect((await server.call('PATCH', `/api/tickets/${id}`, { json: {} })).status).toBe(400);
  });
});

import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignalSchema } from '../../../server/web/api/signals.schemas.js';
import { TicketSchema } from '../../../server/web/api/tickets.schemas.js';
import { eachDatabase } from '../../helpers/databases.js';
import { AGENT, startTestServer, type TestServer } from '../../helpers/web-server.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/bpmn/${name}.bpmn`, import.meta.url));
const MIN = 60_000;

function documented(schema: { parse(value: unknown): unknown }, body: unknown): void {
  expect(schema.parse(body)).toEqual(body);
}

/** A local webhook receiver: records every request's JSON body. */
async function receiver() {
  const got: unknown[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      got.push(JSON.parse(body));
      res.end('ok');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got, close: () => new Promise((r) => server.close(r)) };
}

eachDatabase('HTTP API: messages and signals', (database) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(database(), {
      workflows: [],
      config: { routing: { allowPrivate: true, retryMs: 1_000, maxAttempts: 3, timeoutMs: 2_000 } },
    });
    for (const name of ['message-events', 'signal-events', 'throw-events']) await server.app.workflows.import(fixture(name), 'tester@example.com');
  });
  afterEach(() => server.close());

  const open = async (workflow: string) =>
    (await server.call('POST', '/api/tickets', { json: { workflow, channel: 'chat', subject: workflow, customer: { name: 'Li Lei' } } })).body;
  const message = (id: number, json: unknown, token?: string | null) =>
    server.call('POST', `/api/tickets/${id}/messages`, { json, ...(token !== undefined ? { token } : {}) });

  test('POST /api/tickets/:id/messages delivers a message the ticket waits for: 200 with the new state, as an advance', async () => {
    const created = await open('service_request');
    expect(created).toMatchObject({ state: ['diagnose'], awaitedMessages: ['Customer cancelled', 'Customer added information'], awaitedSignals: [] });
    server.app.clock.advance(3 * MIN);
    const added = await message(created.id, { name: 'Customer added information', fields: { note: 'serial 42' }, expectedRevision: 1 });
    expect(added.status).toBe(200);
    documented(TicketSchema, added.body);
    expect(added.body).toMatchObject({ state: ['diagnose', 'review'], awaitedMessages: ['Customer cancelled'], revision: 2, fields: { note: 'serial 42' } });
    const detail = await server.call('GET', `/api/tickets/${created.id}`);
    expect(detail.body.stepLog).toContainEqual(
      expect.objectContaining({ step: 'added', event: 'Customer added information', actor: AGENT, durationMs: 0, enteredAt: detail.body.createdAt + 3 * MIN }),
    );
  });

  test('422 message_not_awaited naming the messages it waits for; fields checked as an advance; 409 stale; 404; 401', async () => {
    const created = await open('service_request');
    const refused = await message(created.id, { name: 'Customer replied' });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({
      code: 'message_not_awaited',
      details: { awaitedMessages: ['Customer cancelled', 'Customer added information'] },
    });
    const missing = await message(created.id, { name: 'Customer added information' });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'validation_failed', details: [expect.objectContaining({ field: 'note' })] });
    const wrongType = await message(created.id, { name: 'Customer added information', fields: { note: { nested: true } } });
    expect(wrongType.status).toBe(400);
    expect((await message(created.id, { name: 'Customer cancelled', expectedRevision: 7 })).status).toBe(409);
    expect((await message(999_999, { name: 'Customer cancelled' })).status).toBe(404);
    expect((await message(created.id, { name: 'Customer cancelled' }, null)).status).toBe(401);
    expect((await message(created.id, { name: 'Customer cancelled', misspelt: 1 })).status).toBe(400);
    // Nothing of that was written.
    expect((await server.call('GET', `/api/tickets/${created.id}`)).body).toMatchObject({ revision: 1, state: ['diagnose'] });
    const cancelled = await message(created.id, { name: 'Customer cancelled', expectedRevision: 1 });
    expect(cancelled.body).toMatchObject({ status: 'closed', awaitedMessages: [] });
    expect((await message(created.id, { name: 'Customer cancelled' })).body.error).toMatchObject({
      code: 'message_not_awaited',
      details: { awaitedMessages: [] },
    });
  });

  test('POST /api/signals answers 202 with the signal and where to read its progress; every waiting ticket gets it once', async () => {
    const tickets: number[] = [];
    for (let i = 0; i < 3; i++) {
      const created = await open('outage_ticket');
      await server.call('POST', `/api/tickets/${created.id}/events`, { json: { type: 'complete' } });
      const parked = await server.call('POST', `/api/tickets/${created.id}/events`, { json: { type: 'yes' } });
      expect(parked.body).toMatchObject({ state: ['wait_fix'], allowedEvents: [], awaitedSignals: ['Outage resolved'] });
      expect(parked.body.steps[0].actions).toEqual([]);
      tickets.push(created.id);
    }
    // A signal is not one ticket's event.
    const asEvent = await server.call('POST', `/api/tickets/${tickets[0]}/events`, { json: { type: 'signal.Outage resolved' } });
    expect(asEvent.status).toBe(422);
    expect(asEvent.body.error.code).toBe('event_not_allowed');

    const raised = await server.call('POST', '/api/signals', { json: { name: 'Outage resolved' } });
    expect(raised.status).toBe(202);
    documented(SignalSchema, raised.body);
    expect(raised.body).toMatchObject({ name: 'Outage resolved', status: 'delivering', delivered: 0, raisedBy: AGENT });
    expect(raised.headers.get('location')).toBe(`/api/signals/${raised.body.id}`);
    await server.app.signals.runDue();
    const progress = await server.call('GET', raised.headers.get('location')!);
    expect(progress.status).toBe(200);
    documented(SignalSchema, progress.body);
    expect(progress.body).toMatchObject({ id: raised.body.id, status: 'done', delivered: 3 });
    for (const id of tickets) expect((await server.call('GET', `/api/tickets/${id}`)).body).toMatchObject({ state: ['confirm'], awaitedSignals: [] });

    expect((await server.call('GET', '/api/signals/424242')).status).toBe(404);
    expect((await server.call('POST', '/api/signals', { json: { name: '' } })).status).toBe(400);
    expect((await server.call('POST', '/api/signals', { json: { name: 'x' }, token: null })).status).toBe(401);
  });

  test('a send step goes out through the outbox to the webhook that asks for its message, and not to one that asks for another', async () => {
    const hook = await receiver();
    try {
      const admin = await server.app.users.add({ email: 'hooks@admins.test', password: 'password-12345', role: 'admin' });
      await server.app.webhooks.create(admin.user, { url: hook.url, format: 'json', events: ['message:Refund approved'] });
      await server.app.webhooks.create(admin.user, { url: `${hook.url}/other`, format: 'json', events: ['message:Something else'] });
      const created = await open('refund');
      await server.call('POST', `/api/tickets/${created.id}/events`, { json: { type: 'complete' } });
      await server.app.webhooks.deliver();
      expect(hook.got).toEqual([
        { delivery: expect.any(Number), event: expect.objectContaining({ kind: 'message', ticketId: created.id, step: 'tell', message: 'Refund approved' }) },
      ]);
      // Sent messages are nobody's reminders: no lead's inbox lists them; the ticket's timeline does.
      const lead = { id: admin.user.id, email: admin.user.email, role: 'admin' as const };
      expect((await server.app.inbox.list(lead, { all: true, limit: 50 })).entries).toEqual([]);
      expect(await server.app.inbox.unreadCount(lead, 50)).toBe(0);
      expect((await server.app.inbox.ofTicket(created.id, lead)).map((n) => [n.kind, n.message])).toEqual([
        ['message', 'Refund approved (milestone)'],
        ['message', 'Refund approved'],
      ]);
    } finally {
      await hook.close();
    }
  });
});

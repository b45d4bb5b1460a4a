import { eachDatabase } from '../../helpers/databases.js';
import { AGENT, MANAGER, PEOPLE, startTestServer, type TestServer } from '../../helpers/web-server.js';

const LANE = '客服专员 Agent';
const RULES = [
  { name: 'refunds', when: { keywords: ['退款', 'refund'] }, set: { type: 'billing', level: 'L1', tags: ['money'] } },
  { name: 'vip complaints', when: { vip: true, keywords: ['投诉'] }, set: { type: 'complaint', level: 'L3', priority: 'urgent' } },
];
const ticket = (subject: string, vip = false) => ({ workflow: 'customer-inquiry', channel: 'chat', subject, customer: { name: 'Zhao' }, vip });

eachDatabase('routing API', (database) => {
  let server: TestServer;
  let admin: string;
  let agentId: number;
  beforeEach(async () => {
    server = await startTestServer(database(), { workflows: ['customer-inquiry'] });
    admin = (await server.app.users.createToken(PEOPLE.admin.email, 'admin')).token;
    agentId = (await server.app.users.byEmail(AGENT)).id;
  });
  afterEach(() => server.close());

  test('roles: rules and lanes are for managers, webhooks and profiles for admins, presence for oneself or a lead', async () => {
    const manager = server.tokens.manager;
    expect((await server.call('GET', '/api/routing/rules')).status).toBe(403);
    expect((await server.call('PUT', '/api/routing/rules', { json: { rules: RULES } })).status).toBe(403);
    expect((await server.call('PUT', '/api/routing/rules', { token: manager, json: { rules: RULES } })).status).toBe(200);
    expect((await server.call('PUT', '/api/routing/lanes', { json: { lane: LANE, policy: 'push' } })).status).toBe(403);
    expect((await server.call('GET', '/api/routing/agents', { token: null })).status).toBe(401);
    expect(
      (await server.call('POST', '/api/webhooks', { token: manager, json: { url: 'https://example.com/x', format: 'json', events: ['assignment'] } })).status,
    ).toBe(403);
    expect((await server.call('PATCH', `/api/users/${agentId}`, { token: manager, json: { capacity: 3 } })).status).toBe(403);
    const managerId = (await server.app.users.byEmail(MANAGER)).id;
    expect((await server.call('PUT', `/api/users/${managerId}/presence`, { json: { status: 'online' } })).body.error.code).toBe('forbidden');
    expect((await server.call('PUT', `/api/users/${agentId}/presence`, { json: { status: 'online' } })).status).toBe(200);
    expect((await server.call('PUT', `/api/users/${agentId}/presence`, { token: manager, json: { status: 'away' } })).status).toBe(200);
    expect((await server.call('PUT', `/api/users/${agentId}/presence`, { json: { status: 'busy' } })).body.error.code).toBe('validation_failed');
  });

  test('rules: saved in order, tried on the last tickets, applied at intake; an agent corrects, the counts show it', async () => {
    const manager = server.tokens.manager;
    await server.call('PUT', '/api/routing/rules', { token: manager, json: { rules: RULES.slice(0, 1) } });
    const created = await server.call('POST', '/api/tickets', { json: ticket('我想申请退款') });
    expect(created.status).toBe(201);
    expect(created.body.classification).toEqual({ type: 'billing', level: 'L1', priority: 'normal', tags: ['money'], rule: 'refunds' });
    const vip = await server.call('POST', '/api/tickets', { json: ticket('我要投诉你们', true) });
    expect(vip.body.classification).toMatchObject({ rule: null, priority: 'high' });

    const trial = await server.call('POST', '/api/routing/rules/test', { token: manager, json: { rules: RULES, limit: 10 } });
    expect(trial.body).toEqual({
      tested: 2,
      changed: [
        {
          ticketId: vip.body.id,
          subject: '我要投诉你们',
          before: expect.objectContaining({ rule: null }),
          after: expect.objectContaining({ rule: 'vip complaints', level: 'L3' }),
        },
      ],
    });
    const duplicate = await server.call('PUT', '/api/routing/rules', { token: manager, json: { rules: [RULES[0], RULES[0]] } });
    expect(duplicate.body.error).toMatchObject({ code: 'validation_failed', details: [expect.objectContaining({ field: 'rules.1.name' })] });
    // a channel no ticket comes in on could never match: refused as intake refuses it
    const fax = { name: 'fax', when: { channels: ['chat', 'fax'] }, set: { level: 'L1' } };
    const noChannel = await server.call('PUT', '/api/routing/rules', { token: manager, json: { rules: [fax] } });
    expect(noChannel.body.error).toMatchObject({ code: 'validation_failed', details: [expect.objectContaining({ field: 'rules.0.when.channels' })] });

    const corrected = await server.call('PATCH', `/api/tickets/${created.body.id}/classification`, { json: { type: 'shipping', level: 'L2' } });
    expect(corrected.body).toMatchObject({ type: 'shipping', level: 'L2', rule: 'refunds', corrected: { by: AGENT, original: { type: 'billing' } } });
    const got = await server.call('GET', `/api/tickets/${created.body.id}`);
    expect(got.body.classification.type).toBe('shipping');
    const listed = await server.call('GET', '/api/routing/rules', { token: manager });
    expect(listed.body.rules).toEqual([expect.objectContaining({ name: 'refunds', hits: 1, corrections: 1 })]);
    const audit = await server.call('GET', '/api/audit', { token: admin });
    expect(audit.body.items[0]).toMatchObject({ actor: MANAGER, action: 'routing.rules' });
  });

  test('assignment over the API: profiles, presence, a push lane, the assignee on the ticket, a lead reassigns', async () => {
    const manager = server.tokens.manager;
    const managerId = (await server.app.users.byEmail(MANAGER)).id;
    for (const id of [agentId, managerId]) {
      const patched = await server.call('PATCH', `/api/users/${id}`, { token: admin, json: { lanes: [LANE], skills: ['billing'], level: 'L2', capacity: 1 } });
      // One number: every channel.
      expect(patched.body).toMatchObject({ lanes: [LANE], skills: ['billing'], level: 'L2', capacity: { phone: 1, chat: 1, email: 1, 'self-service': 1 } });
    }
    // Per channel: the channels named change, the others keep theirs; an unknown channel or a bad number is refused.
    const perChannel = await server.call('PATCH', `/api/users/${managerId}`, { token: admin, json: { capacity: { phone: 0, email: 10 } } });
    expect(perChannel.body.capacity).toEqual({ phone: 0, chat: 1, email: 10, social: 1, app: 1, store: 1, 'self-service': 1 });
    for (const capacity of [{ fax: 1 }, { chat: -1 }, { chat: 1.5 }, 1001, '3'])
      expect((await server.call('PATCH', `/api/users/${managerId}`, { token: admin, json: { capacity } })).body.error.code).toBe('validation_failed');
    expect((await server.app.audit.page()).items[0]).toMatchObject({
      action: 'user.routing',
      before: { capacity: expect.objectContaining({ phone: 1, email: 1 }) },
      after: { capacity: expect.objectContaining({ phone: 0, email: 10, chat: 1 }) },
    });
    expect((await server.call('PUT', '/api/routing/lanes', { token: manager, json: { lane: LANE, policy: 'push', lead: MANAGER } })).status).toBe(200);
    await server.call('PUT', `/api/users/${agentId}/presence`, { json: { status: 'online' } });
    const first = await server.call('POST', '/api/tickets', { json: ticket('hello') });
    expect(first.body.assignee).toMatchObject({ email: AGENT, step: 'Task_Answer', startedAt: null });
    // The agent is full; the manager is offline: flagged, still in the queue, no assignee.
    const second = await server.call('POST', '/api/tickets', { json: ticket('hello again') });
    expect(second.body.assignee).toBeUndefined();
    await server.call('PUT', `/api/users/${managerId}/presence`, { token: manager, json: { status: 'online' } });
    expect((await server.call('GET', `/api/tickets/${second.body.id}`)).body.assignee.email).toBe(MANAGER);

    const agents = await server.call('GET', '/api/routing/agents', { token: manager });
    expect(agents.body.items.find((a: { id: number }) => a.id === agentId)).toMatchObject({
      load: { chat: 1, email: 0 },
      capacity: { chat: 1, email: 1 },
      presence: 'online',
    });
    const full = await server.call('POST', `/api/tickets/${second.body.id}/assign`, { token: manager, json: { agentId } });
    expect(full.status).toBe(409);
    expect((await server.call('POST', `/api/tickets/${first.body.id}/start`)).status).toBe(200);
    const offline = await server.call('PUT', `/api/users/${agentId}/presence`, { json: { status: 'offline' } });
    expect(offline.body.returned).toEqual([]);
    const page = await server.call('GET', '/api/tickets?state=open');
    expect(page.body.items.map((t: { assignee?: { email: string } }) => t.assignee?.email).sort()).toEqual([AGENT, MANAGER].sort());
    const openapi = await server.call('GET', '/api/openapi.json', { token: null });
    expect(Object.keys(openapi.body.paths)).toEqual(
      expect.arrayContaining(['/api/routing/rules', '/api/routing/rules/test', '/api/users/{id}/presence', '/api/webhooks/{id}/deliveries']),
    );
  });
});

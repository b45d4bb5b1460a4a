import { eachDatabase } from '../../helpers/databases.js';
import { AGENT, MANAGER, PEOPLE, startTestServer, type TestServer } from '../../helpers/web-server.js';
import { FormClient } from '../web/support/form-client.js';

const LANE = '客服专员 Agent';
const RULES = JSON.stringify([{ name: '退款规则', when: { keywords: ['退款'] }, set: { type: 'billing', level: 'L1' } }]);

eachDatabase('pages: /routing', (database) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(database(), { workflows: ['customer-inquiry'], config: { routing: { allowPrivate: true } } });
  });
  afterEach(() => server.close());

  test('a manager tests a rule set on recent tickets, saves it, sees hits and corrections; sets a lane to push (中文)', async () => {
    await server.app.tickets.create({ workflow: 'customer-inquiry', channel: 'chat', subject: '我要退款', customer: { name: 'Li' } }, AGENT);
    const manager = await FormClient.signedIn(server.url, PEOPLE.manager, 'zh-CN');
    const page = await manager.get('/routing');
    expect(page.status).toBe(200);
    expect(page.html).toContain('分类规则');
    expect(page.html).toContain(LANE);
    expect(page.html).not.toContain('routing-webhooks');

    const trial = await manager.post('/routing/rules', { rules: RULES, limit: '10', action: 'test' });
    expect(trial.status).toBe(200);
    expect(trial.html).toContain('已测试 1 张工单：1 张会改变');
    expect(trial.html).toMatch(/data-testid="routing-trial"[\s\S]*我要退款[\s\S]*rule: 退款规则/);
    expect((await server.app.routing.rules.list()).length).toBe(0);

    const bad = await manager.post('/routing/rules', { rules: '[{"name": ', action: 'save' });
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('data-testid="routing-problem"');

    expect(await manager.post('/routing/rules', { rules: RULES, action: 'save' })).toMatchObject({ status: 303, location: '/routing' });
    const created = await server.call('POST', '/api/tickets', {
      json: { workflow: 'customer-inquiry', channel: 'chat', subject: '申请退款', customer: { name: 'Wu' } },
    });
    await server.call('PATCH', `/api/tickets/${created.body.id}/classification`, { json: { type: 'shipping' } });
    const after = await manager.get('/routing');
    expect(after.html).toMatch(/<td>退款规则<\/td><td>keywords: 退款<\/td><td>type: billing; level: L1<\/td><td class="num">1<\/td><td class="num">1<\/td>/);

    expect(await manager.post('/routing/lanes', { lane: LANE, policy: 'push', lead: MANAGER })).toMatchObject({ status: 303 });
    expect((await server.app.routing.assignments.lanes()).get(LANE)).toEqual({ lane: LANE, policy: 'push', lead: MANAGER });
    expect((await manager.post('/routing/rules', { rules: RULES, action: 'save' }, { csrf: false })).status).toBe(403);
  });

  test('the ticket page shows the rule that classified it and the assignee; an agent corrects it there', async () => {
    const lead = await server.app.users.byEmail(MANAGER);
    await server.app.routing.rules.save(lead, JSON.parse(RULES));
    await server.app.routing.assignments.setLane(lead, LANE, 'push', MANAGER);
    const agentUser = await server.app.users.byEmail(AGENT);
    await server.app.people.update('cli', agentUser.id, { lanes: [LANE] });
    await server.app.routing.assignments.setProfile(lead, agentUser.id, { skills: ['billing'], level: 'L1', capacity: 2 });
    await server.app.routing.setPresence(agentUser, agentUser.id, 'online');
    const created = await server.call('POST', '/api/tickets', {
      json: { workflow: 'customer-inquiry', channel: 'chat', subject: '我要退款', customer: { name: 'Li' } },
    });
    const agent = await FormClient.signedIn(server.url, PEOPLE.agent, 'zh-CN');
    expect(created.body.assignee).toMatchObject({ email: AGENT });
    const page = await agent.get(`/tickets/${created.body.id}`);
    expect(page.html).toContain('设置规则：退款规则');
    expect(page.html).toContain(`已分配给 ${AGENT}`);
    const corrected = await agent.post(`/tickets/${created.body.id}/classification`, { type: 'shipping', level: 'L2', priority: 'high', tags: '物流, 加急' });
    expect(corrected).toMatchObject({ status: 303, location: `/tickets/${created.body.id}` });
    expect((await server.call('GET', `/api/tickets/${created.body.id}`)).body.classification).toMatchObject({
      type: 'shipping',
      level: 'L2',
      priority: 'high',
      tags: ['物流', '加急'],
      rule: '退款规则',
      corrected: { by: AGENT },
    });
    expect((await agent.get(`/tickets/${created.body.id}`)).html).toContain(`由 ${AGENT} 于`);
    // A lead reassigns the step to themselves in one click (online, with room); audited.
    const managerUser = await server.app.users.byEmail(MANAGER);
    await server.app.people.update('cli', managerUser.id, { lanes: [LANE] });
    await server.app.routing.assignments.setProfile(lead, managerUser.id, { capacity: 1 });
    await server.app.routing.setPresence(managerUser, managerUser.id, 'online');
    const manager = await FormClient.signedIn(server.url, PEOPLE.manager);
    const asLead = await manager.get(`/tickets/${created.body.id}`);
    expect(asLead.html).toContain('data-testid="reassign-Task_Answer"');
    const visit = (await server.app.routing.assignments.routedSteps(created.body.id))[0]!.slot.visit;
    expect(await manager.post(`/tickets/${created.body.id}/assign`, { agentId: String(managerUser.id), visit: String(visit) })).toMatchObject({ status: 303 });
    expect((await server.call('GET', `/api/tickets/${created.body.id}`)).body.assignee.email).toBe(MANAGER);
    expect((await server.app.audit.page()).items[0]).toMatchObject({ action: 'ticket.assign', actor: MANAGER });
    expect((await agent.get(`/tickets/${created.body.id}`)).html).not.toContain('data-testid="reassign-');
    // The assignment reaches the agent's inbox, with the unread count in the header.
    const inbox = await agent.get('/notifications');
    expect(inbox.html).toContain('已分配给您');
    expect(inbox.html).toMatch(/data-testid="unread-count"[^>]*>1</);
  });

  test('an agent sets their presence on the queue page; going offline there gives unstarted tickets back', async () => {
    const lead = await server.app.users.byEmail(MANAGER);
    const agentUser = await server.app.users.byEmail(AGENT);
    await server.app.routing.assignments.setLane(lead, LANE, 'push', MANAGER);
    await server.app.people.update('cli', agentUser.id, { lanes: [LANE] });
    await server.app.routing.assignments.setProfile(lead, agentUser.id, { capacity: 2 });
    const agent = await FormClient.signedIn(server.url, PEOPLE.agent);
    const queue = await agent.get('/queue');
    expect(queue.html).toMatch(/data-testid="presence-form"[\s\S]*<option value="offline" selected>Offline/);
    expect(await agent.post('/presence', { status: 'online' })).toMatchObject({ status: 303, location: '/queue' });
    expect((await agent.get('/queue')).html).toMatch(/<option value="online" selected>Online/);
    const created = await server.call('POST', '/api/tickets', {
      json: { workflow: 'customer-inquiry', channel: 'chat', subject: 'hello', customer: { name: 'Li' } },
    });
    expect(created.body.assignee).toMatchObject({ email: AGENT });
    await agent.post('/presence', { status: 'offline' });
    expect((await server.call('GET', `/api/tickets/${created.body.id}`)).body.assignee).toBeUndefined();
  });

  test('an admin edits skills and capacity and adds a webhook; an agent may not open the page', async () => {
    const agent = await FormClient.signedIn(server.url, PEOPLE.agent);
    expect((await agent.get('/routing')).status).toBe(403);
    const admin = await FormClient.signedIn(server.url, PEOPLE.admin);
    await admin.get('/routing');
    const agentId = (await server.app.users.byEmail(AGENT)).id;
    expect(await admin.post(`/routing/agents/${agentId}`, { skills: 'billing, channel:chat', level: 'L2', capacity: '4' })).toMatchObject({ status: 303 });
    expect((await server.app.routing.assignments.profiles()).find((p) => p.id === agentId)).toMatchObject({
      skills: ['billing', 'channel:chat'],
      level: 'L2',
      capacity: 4,
    });
    const refused = await admin.post('/routing/webhooks', { url: 'ftp://example.com/x', format: 'slack', events: 'sla-breach' });
    expect(refused.status).toBe(400);
    expect(await admin.post('/routing/webhooks', { url: 'http://127.0.0.1:9/hook', format: 'slack', events: 'sla-breach' })).toMatchObject({ status: 303 });
    const page = await admin.get('/routing');
    expect(page.html).toContain('http://127.0.0.1:9/hook');
    expect(page.html).toMatch(/1 \/ 4|0 \/ 4/);
  });
});

import { eachDatabase } from '../../helpers/databases.js';
import { AGENT, MANAGER, PEOPLE, startTestServer, type TestServer } from '../../helpers/web-server.js';
import { createI18n, LOCALES_DIR } from '../../../server/shared/i18n.js';
import { FormClient, testId } from '../web/support/form-client.js';

const LANE = '客服专员 Agent';
const RULES = [{ name: '退款规则', when: { keywords: ['退款'] }, set: { type: 'billing', level: 'L1' as const } }];
/** The rule editor's form for one card, as a browser posts it. */
const card = (i: number, fields: Record<string, string>) => Object.fromEntries(Object.entries(fields).map(([k, v]) => [`rules.${i}.${k}`, v]));
const REFUNDS = card(0, { name: '退款规则', keywords: '退款', type: 'billing', level: 'L1' });
const tested = (html: string) => /name="tested" value="([^"]+)"/.exec(html)?.[1];
const cards = (html: string) => [...html.matchAll(/id="rule-\d+-name" name="rules\.\d+\.name" value="([^"]*)"/g)].map((m) => m[1]);

eachDatabase('pages: /routing', (database) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(database(), { workflows: ['customer-inquiry'], config: { routing: { allowPrivate: true } } });
  });
  afterEach(() => server.close());

  test('a manager builds rules in the structured editor, sees the trial before saving, then hits and corrections; sets a lane to push (中文)', async () => {
    await server.app.tickets.create({ workflow: 'customer-inquiry', channel: 'chat', subject: '我要退款', customer: { name: 'Li' } }, AGENT);
    const manager = await FormClient.signedIn(server.url, PEOPLE.manager, 'zh-CN');
    const page = await manager.get('/routing');
    expect(page.status).toBe(200);
    expect(page.html).toContain('分类规则');
    expect(page.html).toContain('data-testid="rule-editor-empty"');
    expect(page.html).toContain(LANE);
    expect(page.html).not.toContain('routing-webhooks');

    // Add, move and remove cards: the draft comes back as posted, nothing is saved.
    const added = await manager.post('/routing/rules', { count: '0', action: 'add' });
    expect(added.status).toBe(200);
    expect(cards(added.html)).toEqual(['']);
    const two = await manager.post('/routing/rules', { count: '1', ...REFUNDS, action: 'add' });
    expect(cards(two.html)).toEqual(['退款规则', '']);
    const named = { count: '2', ...REFUNDS, ...card(1, { name: 'VIP 投诉', keywords: '投诉, complaint', vip: 'yes', channels: 'phone', priority: 'urgent' }) };
    const moved = await manager.post('/routing/rules', { ...named, action: 'up:1' });
    expect(cards(moved.html)).toEqual(['VIP 投诉', '退款规则']);
    expect(moved.html).toMatch(/name="rules\.0\.vip"><option value="">所有客户<\/option><option value="yes" selected>仅 VIP/);
    expect(moved.html).toMatch(/name="rules\.0\.channels" value="phone" checked> 热线电话/);
    expect(moved.html).toContain('data-testid="rule-editor-unsaved"');
    expect(cards((await manager.post('/routing/rules', { ...named, action: 'remove:0' })).html)).toEqual(['VIP 投诉']);
    expect((await server.app.routing.rules.list()).length).toBe(0);

    // Test: the trial on the newest tickets, and the digest of what was tested.
    const trial = await manager.post('/routing/rules', { count: '1', ...REFUNDS, limit: '10', action: 'test' });
    expect(trial.status).toBe(200);
    expect(trial.html).toContain('已测试 1 张工单：1 张会改变');
    expect(trial.html).toMatch(/data-testid="routing-trial"[\s\S]*我要退款[\s\S]*问题类型: billing · 级别: L1 · 优先级: 普通 · 规则：退款规则/);
    expect(tested(trial.html)).toBeDefined();

    // Save on a draft whose trial was not shown (never tested, or changed since): the trial first, nothing saved.
    const unseen = await manager.post('/routing/rules', { count: '1', ...REFUNDS, 'rules.0.level': 'L2', tested: tested(trial.html)!, action: 'save' });
    expect(unseen.status).toBe(200);
    expect(unseen.html).toContain('data-testid="routing-review"');
    expect(unseen.html).toContain('级别: L2 · 优先级: 普通 · 规则：退款规则');
    expect((await server.app.routing.rules.list()).length).toBe(0);

    // A card the service refuses is marked, with the reason.
    const bad = await manager.post('/routing/rules', { count: '2', ...REFUNDS, ...card(1, { name: '退款规则', type: 'x' }), action: 'test' });
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('data-testid="routing-problem"');
    expect(bad.html).toMatch(/class="rule-card invalid" id="rule-2"/);
    const empty = await manager.post('/routing/rules', { count: '1', ...card(0, { name: 'nothing', keywords: 'x' }), action: 'test' });
    expect(empty.status).toBe(400);

    expect(await manager.post('/routing/rules', { count: '1', ...REFUNDS, tested: tested(trial.html)!, action: 'save' })).toMatchObject({
      status: 303,
      location: '/routing#main',
    });
    expect(await server.app.routing.rules.list()).toEqual([{ ...RULES[0], hits: 0, corrections: 0 }]);
    const created = await server.call('POST', '/api/tickets', {
      json: { workflow: 'customer-inquiry', channel: 'chat', subject: '申请退款', customer: { name: 'Wu' } },
    });
    await server.call('PATCH', `/api/tickets/${created.body.id}/classification`, { json: { type: 'shipping' } });
    const after = await manager.get('/routing');
    expect(after.html).toMatch(
      /<td>退款规则<\/td><td>关键词或短语: 退款<\/td><td>问题类型: billing · 级别: L1<\/td><td class="num">1<\/td><td class="num">1<\/td>/,
    );
    expect(cards(after.html)).toEqual(['退款规则']);
    expect(after.html).toMatch(/data-testid="rule-counts">命中 1 次，被纠正 1 次/);

    expect(await manager.post('/routing/lanes', { lane: LANE, policy: 'push', lead: MANAGER })).toMatchObject({ status: 303 });
    expect((await server.app.routing.assignments.lanes()).get(LANE)).toEqual({ lane: LANE, policy: 'push', lead: MANAGER });
    expect((await manager.post('/routing/rules', { count: '1', ...REFUNDS, action: 'save' }, { csrf: false })).status).toBe(403);
    // Agents never reach the editor's larger form.
    const agent = await FormClient.signedIn(server.url, PEOPLE.agent);
    expect((await agent.post('/routing/rules', { count: '1', ...REFUNDS, action: 'test' })).status).toBe(403);
  });

  test('the ticket page shows the rule that classified it and the assignee; an agent corrects it there', async () => {
    const lead = await server.app.users.byEmail(MANAGER);
    await server.app.routing.rules.save(lead, RULES);
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
    // the assignment's notice is said in the reader's language, not in the words it was stored with
    const chinese = await FormClient.signedIn(server.url, PEOPLE.agent, 'zh-CN');
    expect((await chinese.get('/notifications')).html).toContain(`已分派给 ${AGENT}`);
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
    // One box per channel; an old form's single number is every channel's.
    expect(await admin.post(`/routing/agents/${agentId}`, { skills: 'billing', level: 'L1', capacity: '2' })).toMatchObject({ status: 303 });
    expect((await server.app.routing.assignments.profiles()).find((p) => p.id === agentId)!.capacity).toMatchObject({ phone: 2, chat: 2, email: 2, app: 2 });
    const form = { skills: 'billing, channel:chat', level: 'L2', 'capacity.phone': '1', 'capacity.chat': '4', 'capacity.email': '10', 'capacity.app': '0' };
    expect(await admin.post(`/routing/agents/${agentId}`, form)).toMatchObject({ status: 303 });
    expect((await server.app.routing.assignments.profiles()).find((p) => p.id === agentId)).toMatchObject({
      skills: ['billing', 'channel:chat'],
      level: 'L2',
      capacity: { phone: 1, chat: 4, email: 10, app: 0, social: 2 },
    });
    // A value the form cannot hold is refused naming its field and code, and nothing of the form is stored.
    const problem = (html: string) => /data-testid="routing-problem" data-problems="([^"]*)"/.exec(html)?.[1] ?? '';
    for (const [field, value, code] of [
      ['capacity.chat', '1001', 'outOfRange'],
      ['level', 'L7', 'levelUnknown'],
    ] as const) {
      const refused = await admin.post(`/routing/agents/${agentId}`, { ...form, skills: 'changed', [field]: value });
      expect([field, refused.status, problem(refused.html)]).toEqual([field, 400, `${field}:${code}`]);
    }
    expect((await server.app.routing.assignments.profiles()).find((p) => p.id === agentId)).toMatchObject({ skills: ['billing', 'channel:chat'], level: 'L2' });
    // the audit log shows a profile's capacity per channel as text
    const audit = (await admin.get('/admin')).html;
    expect(audit).not.toContain('[object Object]');
    const en = createI18n(LOCALES_DIR).formatter('en');
    expect(audit).toMatch(new RegExp(`capacity: [^<;]*${en.t('channels.phone')} 1, ${en.t('channels.chat')} 4`));
    const pushed = await admin.post('/routing/lanes', { lane: '客服专员 Agent', policy: 'PUSH' });
    expect([pushed.status, problem(pushed.html)]).toEqual([400, 'policy:policyUnknown']);
    expect((await admin.post('/presence', { status: 'busy' })).status).toBe(400);
    const refused = await admin.post('/routing/webhooks', { url: 'ftp://example.com/x', format: 'slack', events: 'sla-breach' });
    expect([refused.status, problem(refused.html)]).toEqual([400, 'url:urlScheme']);
    // A reader of Chinese reads the refusal, the webhook formats and events in Chinese: catalog words, not the service's English.
    const chinese = await FormClient.signedIn(server.url, PEOPLE.admin, 'zh-CN');
    await chinese.get('/routing');
    const zh = createI18n(LOCALES_DIR).formatter('zh-CN');
    const inChinese = await chinese.post('/routing/webhooks', { url: 'ftp://example.com/x', format: 'slack', events: 'sla-breach' });
    expect(testId(inChinese.html, 'routing-problem')).toBe(zh.t('routing.refusal', { field: zh.t('routing.fields.url'), problem: zh.t('problems.urlScheme') }));
    expect(inChinese.html).toContain(`<option value="wecom">${zh.t('routing.webhooks.formats.wecom')}</option>`);
    expect(inChinese.html).toContain(`value="sla-breach"> ${zh.t('routing.webhooks.eventKinds.sla-breach')}</label>`);
    expect(await admin.post('/routing/webhooks', { url: 'http://127.0.0.1:9/hook', format: 'slack', events: 'sla-breach' })).toMatchObject({ status: 303 });
    const page = await admin.get('/routing');
    expect(page.html).toContain('http://127.0.0.1:9/hook');
    expect(page.html).toMatch(/data-testid="agent-load">Phone 0\/1 · Web chat 0\/4 · Email 0\/10 · Social media 0\/2/);
    expect(page.html).toContain('name="capacity.email" type="number" min="0" max="1000" value="10"');
  });
});

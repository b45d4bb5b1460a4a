import { eachDatabase } from '../../helpers/databases.js';
import { FormClient, decode, formFields, testId, type PageAnswer } from './support/form-client.js';
import { PEOPLE, startTestServer, type TestServer } from '../../helpers/web-server.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

eachDatabase('pages: intake, the guided ticket page, customers, notifications', (database) => {
  let server: TestServer;
  let agent: FormClient;
  beforeEach(async () => {
    server = await startTestServer(database());
    agent = await FormClient.signedIn(server.url, PEOPLE.agent);
  });
  afterEach(() => server.close());

  /** Presses the button of `event` on the ticket page as it is now, with these field values. */
  async function press(id: number, event: string, fields: Record<string, string> = {}, page?: PageAnswer): Promise<PageAnswer> {
    const shown = page ?? (await agent.get(`/tickets/${id}`));
    const hidden = formFields(shown.html, `/tickets/${id}/actions`);
    return agent.post(`/tickets/${id}/actions`, { ...hidden, event, ...Object.fromEntries(Object.entries(fields).map(([k, v]) => [`field.${k}`, v])) });
  }

  async function openTicket(form: Record<string, string>): Promise<number> {
    await agent.get('/tickets/new');
    const opened = await agent.post('/tickets', form);
    expect(opened.status).toBe(303);
    return Number(/^\/tickets\/(\d+)$/.exec(opened.location ?? '')![1]);
  }

  test('intake suggests the workflow by channel, keeps what was typed when something is missing, and reuses a known customer by id', async () => {
    expect((await agent.get('/tickets/new?channel=email')).html).toMatch(/<option value="email-support" data-suggested-for="email" selected>/);
    expect((await agent.get('/tickets/new?channel=phone')).html).toMatch(/<option value="phone-service" data-suggested-for="phone" selected>/);
    // a channel several SOPs serve equally proposes the inquiry, never the complaint process
    const chat = (await agent.get('/tickets/new?channel=chat')).html;
    expect(chat).toMatch(/<option value="customer-inquiry" data-suggested-for="chat social app store self-service" selected>/);
    expect(chat).toMatch(/<option value="complaint-handling" data-suggested-for="">/);

    await agent.get('/tickets/new');
    const missing = await agent.post('/tickets', { channel: 'chat', workflow: 'customer-inquiry', customerName: '', subject: 'Login fails' });
    expect(missing.status).toBe(400);
    expect(missing.html).toContain('Customer name: please fill this in.');
    expect(missing.html).toContain('value="Login fails"');

    const notServed = await agent.post('/tickets', { channel: 'chat', workflow: 'email-support', customerName: 'Wang Wei', subject: 'x' });
    expect(notServed.status).toBe(400);
    expect(notServed.html).toContain('This workflow does not serve this channel');
    // The ticket service refuses a channel it does not know; the form says so next to the channel.
    const unknown = await agent.post('/tickets', { channel: 'fax', workflow: 'email-support', customerName: 'Wang Wei', subject: 'by fax' });
    expect(unknown.status).toBe(400);
    expect(unknown.html).toContain('Choose one of the channels.');
    expect(unknown.html).toContain('value="by fax"');

    const first = await openTicket({
      channel: 'phone',
      workflow: 'customer-inquiry',
      customerName: 'Wang Wei',
      externalId: 'crm-17',
      subject: 'Login fails',
      vip: 'on',
    });
    const second = await openTicket({ channel: 'email', workflow: 'email-support', customerName: 'W. Wei', externalId: 'crm-17', subject: 'Invoice copy' });
    const [a, b] = await Promise.all([server.app.tickets.get(first), server.app.tickets.get(second)]);
    expect(a).toMatchObject({ vip: true, channel: 'phone', createdBy: PEOPLE.agent.email });
    expect(b.customer).toEqual(a.customer);

    // The customer's earlier tickets, on every channel, are one click away.
    const page = await agent.get(`/tickets/${second}`);
    expect(page.html).toContain(`href="/tickets/${first}"`);
    const customer = await agent.get(`/customers/${a.customer.id}`);
    expect(customer.status).toBe(200);
    expect(customer.html).toContain('Login fails');
    expect(customer.html).toContain('Invoice copy');
    // each ticket's workflow by its name, as the queue shows it, not its key
    expect(customer.html).toContain('<td>电子邮件支持 Email support</td>');
    expect(customer.html).not.toContain('<td>email-support</td>');
  });

  test('the guided step: guidance, checklist, fields, countdown, one button per allowed action; the L2 branch to closed with the timeline of durations against limits', async () => {
    const id = await openTicket({ channel: 'chat', workflow: 'customer-inquiry', customerName: 'Wang Wei', subject: 'App crashes on start' });
    let page = await agent.get(`/tickets/${id}`);
    expect(page.html).toContain('Ticket #1 opened.');
    expect(testId(page.html, 'step-name')).toBe('人工客服接听 Agent answers');
    expect(testId(page.html, 'step-owner')).toBe('客服专员 Agent');
    expect(testId(page.html, 'guidance')).toMatch(/^5 分钟内接起咨询/);
    expect(page.html).toContain('data-remaining-ms="300000"');
    expect(page.html.match(/name="event" value="[^"]+"/g)).toEqual(['name="event" value="answer"', 'name="event" value="abandon"']);

    server.app.clock.advance(3 * MIN);
    expect((await press(id, 'answer', { issueSummary: 'crash at splash screen' })).location).toBe(`/tickets/${id}`);
    server.app.clock.advance(4 * MIN);
    page = await agent.get(`/tickets/${id}`);
    expect(page.html).toContain('Done: 已接听 Answered. Next: 问题分级 Grading.');
    expect(page.html).toMatch(/<select id="f-Task_Grade-level" name="field\.level" aria-required="true">/);

    // A value the step refuses: nothing is written, the message is in the reader's language, the rest kept.
    const refused = await press(id, 'grade', { level: 'L9', gradingNote: 'needs a developer' }, page);
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('问题分级 Level: choose one of L1, L2, L3.');
    expect(refused.html).toContain('needs a developer</textarea>');
    expect((await server.app.tickets.get(id)).revision).toBe(2);

    // Only the buttons the page showed can be sent.
    const sneaky = await press(id, 'resolve', {}, page);
    expect(sneaky.status).toBe(422);

    await press(id, 'grade', { level: 'L2' });
    server.app.clock.advance(5 * HOUR);
    await server.app.scheduler.runDue();
    await press(id, 'resolve', { solution: 'cleared the cache' });
    server.app.clock.advance(10 * MIN);
    await press(id, 'send_feedback');
    server.app.clock.advance(HOUR);
    await press(id, 'record_follow_up', { satisfaction: '5', resolved: 'true' });

    page = await agent.get(`/tickets/${id}`);
    expect(testId(page.html, 'ticket-status')).toBe('Closed');
    expect(page.html).toContain('The ticket is closed.');
    expect(page.html).not.toContain('name="event"');
    const timeline = decode(
      page.html
        .slice(page.html.indexOf('data-testid="timeline"'))
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' '),
    );
    expect(timeline).toContain('人工客服接听 Agent answers 客服专员 Agent 3 min / 5 min');
    expect(timeline).toContain('问题分级 Grading 客服专员 Agent 4 min / 10 min');
    expect(timeline).toContain('技术支持处理 Technical support 技术支持 Technical support 5 h / 24 h');
    expect(timeline).toContain('结果反馈 Result feedback 客服专员 Agent 10 min / 30 min');
    expect(timeline).toContain('客户回访 Follow-up call 客服专员 Agent 1 h / 24 h');
    // The 2-hour first-response reminder of L2 went out while the ticket waited there.
    expect(timeline).toMatch(/Reminder → 技术支持主管 Technical-support lead: L2 工单 2 小时未首次响应/);
  });

  test('a second agent acted first: a 409 "this ticket changed" page showing the ticket as it is now, with what was typed kept', async () => {
    const id = await openTicket({ channel: 'chat', workflow: 'customer-inquiry', customerName: 'Wang Wei', subject: 'Two agents' });
    await press(id, 'answer');
    const mine = await agent.get(`/tickets/${id}`);

    // Meanwhile a colleague grades it L1 through the API.
    await server.app.tickets.advance(id, { type: 'grade', fields: { level: 'L1' } }, PEOPLE.manager.email);

    const late = await press(id, 'grade', { level: 'L3', gradingNote: 'VIP complaint about billing' }, mine);
    expect(late.status).toBe(409);
    expect(late.html).toContain('data-testid="ticket-problem" data-problem="changed"');
    expect(late.html).toContain('href="/tickets/1">Reload the ticket</a>');
    expect(testId(late.html, 'step-name')).toBe('一线解决 Frontline resolution');
    expect(late.html).toContain('What you typed (not saved)');
    expect(late.html).toContain('VIP complaint about billing');
    expect(await server.app.tickets.get(id)).toMatchObject({ level: 'L1', revision: 3 });
  });

  test('the same page in Chinese: dates, durations ("3 小时 20 分") and the words around the authored workflow content', async () => {
    const chinese = await FormClient.signedIn(server.url, PEOPLE.manager, 'zh-CN');
    const created = await server.app.tickets.create(
      { workflow: 'customer-inquiry', channel: 'chat', subject: '无法登录', customer: { name: '王伟' } },
      PEOPLE.agent.email,
    );
    await server.app.tickets.advance(created.id, { type: 'answer' }, PEOPLE.agent.email);
    await server.app.tickets.advance(created.id, { type: 'grade', fields: { level: 'L2' } }, PEOPLE.agent.email);
    server.app.clock.advance(3 * HOUR + 20 * MIN);
    const page = await chinese.get(`/tickets/${created.id}`);
    expect(page.html).toContain('<html lang="zh-CN">');
    expect(page.html).toContain('本环节已用时');
    expect(page.html).toContain('3 小时 20 分 / 24 小时');
    expect(page.html).toContain('剩余 20 小时 40 分');
    expect(page.html).toContain('在线客服');
    expect(testId(page.html, 'step-name')).toBe('技术支持处理 Technical support');
  });

  test('notifications for me or my role: reminders that fired show with an unread count in the navigation; marking read clears them', async () => {
    await server.app.users.setLanes((await server.app.users.byEmail(PEOPLE.agent.email)).id, ['客服专员 Agent']);
    const created = await server.app.tickets.create(
      { workflow: 'customer-inquiry', channel: 'chat', subject: 'Slow answer', customer: { name: 'Wang Wei' } },
      PEOPLE.agent.email,
    );
    expect((await agent.get('/notifications')).html).toContain('Nothing unread.');
    server.app.clock.advance(10 * MIN);
    await server.app.scheduler.runDue();

    const list = await agent.get('/notifications');
    const unread = Number(testId(list.html, 'unread-count'));
    expect(unread).toBeGreaterThanOrEqual(2);
    expect(list.html).toContain('Step limit passed');
    expect(list.html).toContain(`href="/tickets/${created.id}">#${created.id} Slow answer</a>`);
    const firstId = /action="\/notifications\/(\d+)\/read"/.exec(list.html)![1];
    await agent.post(`/notifications/${firstId}/read`, {});
    expect(Number(testId((await agent.get('/notifications')).html, 'unread-count'))).toBe(unread - 1);

    const all = await agent.post('/notifications/read-all', {});
    expect(all.status).toBe(303);
    const after = await agent.get('/notifications');
    expect(after.html).toContain(unread - 1 === 1 ? '1 notification marked read.' : `${unread - 1} notifications marked read.`);
    expect(testId(after.html, 'unread-count')).toBeUndefined();
    expect((await agent.get('/notifications?show=all')).html).toContain('Step limit passed');

    // The ticket page lists them in its timeline.
    expect((await agent.get(`/tickets/${created.id}`)).html).toContain('tl-notice tl-escalation');
  });

  test('reminders to an SOP role reach the users an admin assigned to it; each reads on their own; what nobody owns goes to the leads, flagged', async () => {
    const colleague = { email: 'wang.fang@agents.test', password: 'agent-password-2' };
    await server.app.users.add({ ...colleague, role: 'agent', name: 'Wang Fang' });
    const other = await FormClient.signedIn(server.url, colleague);

    // The admin assigns Li Na to the frontline lane on the admin page; Wang Fang takes on another role.
    const admin = await FormClient.signedIn(server.url, PEOPLE.admin);
    const [liNa, wangFang] = await Promise.all([server.app.users.byEmail(PEOPLE.agent.email), server.app.users.byEmail(colleague.email)]);
    const adminPage = await admin.get('/admin');
    expect(adminPage.html).toContain('value="客服专员 Agent"');
    expect((await admin.post(`/admin/users/${liNa.id}/lanes`, { other: '客服专员 Agent' })).status).toBe(303);
    expect((await admin.post(`/admin/users/${wangFang.id}/lanes`, { other: '技术支持主管 Technical-support lead，质检专员' })).status).toBe(303);
    expect((await server.app.users.lanesOf(wangFang.id)).sort()).toEqual(['技术支持主管 Technical-support lead', '质检专员'].sort());
    expect((await admin.get('/admin')).html).toContain('SOP roles saved.');

    await server.app.tickets.create(
      { workflow: 'customer-inquiry', channel: 'chat', subject: 'Slow answer', customer: { name: 'Wang Wei' } },
      PEOPLE.agent.email,
    );
    server.app.clock.advance(10 * MIN);
    await server.app.scheduler.runDue();
    const recipients = ((await server.app.db.knex('notifications').select('recipient')) as Array<{ recipient: string | null }>).map((n) => n.recipient);
    const toLane = recipients.filter((r) => r === '客服专员 Agent').length;
    const toAll = recipients.filter((r) => r === null || (r !== '客服专员 Agent' && !r.includes('@'))).length;
    expect(toLane).toBeGreaterThanOrEqual(1);

    const unread = async (client: FormClient) => Number(testId((await client.get('/notifications')).html, 'unread-count') ?? 0);
    // each agent sees only what is addressed to them or to a lane they take on; the leads see what nobody owns, flagged
    expect(await unread(agent)).toBe(toLane);
    expect(await unread(other)).toBe(0);
    const manager = await FormClient.signedIn(server.url, PEOPLE.manager);
    expect(await unread(manager)).toBe(toAll);
    if (toAll > 0) expect((await manager.get('/notifications')).html).toContain('data-testid="unowned"');
    expect((await agent.get('/notifications')).html).not.toContain('data-testid="unowned"');
    const otherList = await other.get('/notifications?show=all');
    expect(otherList.html).not.toContain('to 客服专员 Agent');

    // Wang Fang joins the lane too: the same reminders, read separately.
    await server.app.users.setLanes(wangFang.id, ['客服专员 Agent']);
    expect(await unread(other)).toBe(toLane);
    await agent.get('/notifications');
    await agent.post('/notifications/read-all', {});
    expect(await unread(agent)).toBe(0);
    expect(await unread(other)).toBe(toLane);
    const firstId = /action="\/notifications\/(\d+)\/read"/.exec((await other.get('/notifications')).html)![1];
    await other.post(`/notifications/${firstId}/read`, {});
    expect(await unread(other)).toBe(toLane - 1);

    // Nobody takes on the lane any more: its reminders go to the leads, not to every agent.
    await server.app.users.setLanes(liNa.id, []);
    await server.app.users.setLanes(wangFang.id, []);
    const third = await server.app.users.add({ email: 'zhao.lei@agents.test', password: 'agent-password-3', role: 'agent' });
    const newcomer = await FormClient.signedIn(server.url, { email: third.user.email, password: 'agent-password-3' });
    expect(await unread(newcomer)).toBe(0);
    expect(await unread(manager)).toBe(toLane + toAll);
  });

  test('the queue narrows to the tickets waiting in steps of my SOP roles', async () => {
    const liNa = await server.app.users.byEmail(PEOPLE.agent.email);
    expect((await agent.get('/queue')).html).not.toContain('name="roles"');
    await server.app.users.setLanes(liNa.id, ['技术支持 Technical support']);
    const inquiry = await server.app.tickets.create(
      { workflow: 'customer-inquiry', channel: 'chat', subject: 'Waiting for an agent', customer: { name: 'A' } },
      PEOPLE.agent.email,
    );
    const page = await agent.get('/queue?roles=1');
    expect(page.html).toContain('name="roles" value="1" checked');
    expect(page.html).not.toContain(`#${inquiry.id}`);
    await server.app.users.setLanes(liNa.id, ['客服专员 Agent']);
    expect((await agent.get('/queue?roles=1')).html).toContain(`href="/tickets/${inquiry.id}"`);
  });

  test('a subject or customer name full of markup is shown as text, never as markup', async () => {
    const hostile = '<img src=x onerror=alert(1)>';
    const id = await openTicket({ channel: 'chat', workflow: 'customer-inquiry', customerName: '<script>alert(2)</script>', subject: hostile });
    for (const path of [`/tickets/${id}`, '/queue', '/notifications?show=all']) {
      const page = await agent.get(path);
      expect(page.html).not.toContain('<img src=x');
      expect(page.html).not.toContain('<script>alert');
    }
    const page = await agent.get(`/tickets/${id}`);
    expect(testId(page.html, 'ticket-subject')).toBe(hostile);
  });
});

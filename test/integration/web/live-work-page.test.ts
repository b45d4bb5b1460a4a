import { eachDatabase } from '../../helpers/databases.js';
import { RUNAWAY_NOTE, runawayVersion } from '../../helpers/hostile-conditions.js';
import { T0 } from '../../helpers/sopflow.js';
import { PEOPLE, startTestServer, type TestServer } from '../../helpers/web-server.js';
import { createI18n, LOCALES_DIR } from '../../../server/shared/i18n.js';
import { decode, FormClient, formFields, testId } from './support/form-client.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The rows of the live-work list: kind and ticket, in the page's order. */
function listed(html: string): Array<{ kind: string; ticket: number }> {
  return [...html.matchAll(/<tr class="live-[^"]+" data-kind="([^"]+)">[\s\S]*?<a href="\/tickets\/(\d+)">/g)].map((m) => ({
    kind: m[1]!,
    ticket: Number(m[2]),
  }));
}

eachDatabase('pages: incidents and live work', (database) => {
  let server: TestServer;
  afterEach(() => server?.close());

  test('open breaches, escalations and failed timers of open tickets in one list, newest first; closed tickets drop out', async () => {
    const config = { conditionMaxIterations: 100, conditionTimeoutMs: 40 };
    // a workflow whose timer the engine refuses to fire, stored before the importer refused its condition
    await runawayVersion(database(), 'hostile-timer', { timed: true, config });
    server = await startTestServer(database(), { config });
    const { tickets, clock, scheduler } = server.app;
    const agent = PEOPLE.agent.email;
    // given a complaint nobody handles: its 30-minute escalation fires, then the specialists' limit passes
    const complaint = await tickets.create(
      { workflow: 'complaint-handling', channel: 'phone', subject: 'Broken on arrival', customer: { name: 'Sun Li' } },
      agent,
    );
    // a complaint answered and closed at once: nothing of it is live
    const settled = await tickets.create({ workflow: 'complaint-handling', channel: 'phone', subject: 'Settled', customer: { name: 'Zhou Qing' } }, agent);
    await tickets.advance(settled.id, { type: 'resolve' }, agent);
    await tickets.advance(settled.id, { type: 'close', fields: { rootCause: 'courier' } }, agent);
    // and a timer the engine refuses to fire: a failed timer
    const hostile = await tickets.create(
      { workflow: 'hostile-timer', channel: 'chat', subject: 'hostile', customer: { name: 'Mallory' }, fields: { note: RUNAWAY_NOTE } },
      agent,
    );

    for (let at = T0 + HOUR; at <= T0 + 5 * DAY; at += HOUR) {
      clock.set(at);
      await scheduler.runDue();
    }

    const complaintNow = (await server.call('GET', `/api/tickets/${complaint.id}`)).body;
    expect(complaintNow.closedAt ?? null).toBeNull();
    const openBreached = complaintNow.stepLog.filter((e: { exitedAt?: number; breached: boolean }) => e.breached && e.exitedAt === undefined);
    expect(openBreached.map((e: { step: string }) => e.step)).toEqual(['Task_Tier2Specialist']);
    // five days on, the complaint's own resolution limit (P5D) has passed too
    const notices = (await server.app.inbox.ofTicket(complaint.id, await server.app.users.byEmail(PEOPLE.manager.email))).map((n) => n.kind);
    expect(notices).toEqual(expect.arrayContaining(['escalation', 'sla-breach', 'ticket-sla-breach']));
    const { items: incidents } = await server.app.incidents.list('open');
    expect(incidents.map((i) => i.ticketId)).toEqual([hostile.id]);

    // when a manager opens the list
    const manager = await FormClient.signedIn(server.url, PEOPLE.manager);
    const page = await manager.get('/incidents');
    expect(page.status).toBe(200);

    // then it holds the two breaches still running (the step's, the ticket's), the escalation and the failed timer, newest first
    const rows = listed(page.html);
    expect(rows.map((r) => `${r.kind} #${r.ticket}`).sort()).toEqual(
      [`breach #${complaint.id}`, `breach #${complaint.id}`, `escalation #${complaint.id}`, `failed-timer #${hostile.id}`].sort(),
    );
    expect(rows.some((r) => r.ticket === settled.id)).toBe(false);
    const { rows: live } = await server.app.liveWork.list();
    expect(live.map((r) => r.since)).toEqual([...live.map((r) => r.since)].sort((a, b) => b - a));
    expect(rows).toEqual(live.map((r) => ({ kind: r.kind, ticket: r.ticketId })));
    expect(decode(page.html)).toContain('专家团队处理 Specialist team handling');
    // the ticket's workflow by its name, as the queue shows it, not its key
    expect(decode(page.html)).toContain('<div class="meta">投诉处理与升级 Complaint handling · ');
    expect(page.html).not.toContain('<div class="meta">complaint-handling · ');
    expect(page.html).toContain('Ticket resolution limit');
    expect(page.html).toContain('F_runaway');
    expect(page.html).toContain('condition_failed');
    // the refused timer's error in the reader's language by its code; the engine's English only on hover
    const chinese = await FormClient.signedIn(server.url, PEOPLE.manager, 'zh-CN');
    const zh = createI18n(LOCALES_DIR).formatter('zh-CN');
    expect(testId((await chinese.get('/incidents')).html, 'incident-problem')).toBe(zh.t('incidents.codes.condition_failed'));

    // each kind on its own, with every kind's count on the tabs
    const breaches = await manager.get('/incidents?kind=breach');
    expect(listed(breaches.html)).toEqual([
      { kind: 'breach', ticket: complaint.id },
      { kind: 'breach', ticket: complaint.id },
    ]);
    expect(decode(breaches.html)).toContain('Breaches (2)');
    expect(decode(breaches.html)).toContain('Escalations (1)');
    expect(decode(breaches.html)).toContain('Failed timers (1)');

    // the failed timer is retried from the list itself
    const retried = await manager.post(`/incidents/${incidents[0]!.id}/retry`, formFields(page.html, `/incidents/${incidents[0]!.id}/retry`));
    expect(retried).toMatchObject({ status: 303, location: '/incidents' });

    // once the complaint is closed, its breach and escalation leave the list
    await tickets.advance(complaint.id, { type: 'resolve' }, agent);
    await tickets.advance(complaint.id, { type: 'close', fields: { rootCause: 'stock' } }, agent);
    const after = listed((await manager.get('/incidents')).html);
    expect(after.filter((r) => r.ticket === complaint.id)).toEqual([]);

    // in Chinese too; agents may not see it
    expect((await chinese.get('/incidents')).html).toContain('异常事件与实时工作');
    const agentClient = await FormClient.signedIn(server.url, PEOPLE.agent);
    expect((await agentClient.get('/incidents')).status).toBe(403);
  });

  test('nothing live: the list says so', async () => {
    server = await startTestServer(database());
    const manager = await FormClient.signedIn(server.url, PEOPLE.manager);
    const page = await manager.get('/incidents');
    expect(page.status).toBe(200);
    expect(listed(page.html)).toEqual([]);
    expect(page.html).toContain('Nothing needs you now.');
  });
});

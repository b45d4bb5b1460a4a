import { readFileSync } from 'node:fs';
import { createI18n } from '../../../server/shared/i18n.js';
import { eachDatabase } from '../../helpers/databases.js';
import { agentEvent, INQUIRY, threeTickets } from '../../helpers/migration.js';
import { PEOPLE, startTestServer, type TestServer } from '../../helpers/web-server.js';
import { decode, FormClient, formFields, testId } from './support/form-client.js';

const PAGE = `/workflows/${INQUIRY}/migrate`;
const TICKET = { workflow: INQUIRY, channel: 'chat', subject: 'cannot log in', customer: { name: 'Wang Wei' } };
const { formatter } = createI18n(new URL('../../../views/locales/', import.meta.url));

/** What a person reads of the refusal: its text and the tickets it lists, without the markup. */
const refusalOf = (html: string) =>
  decode(
    /data-testid="refusal"[^>]*>([\s\S]*?)<\/div>/
      .exec(html)![1]!
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  );

eachDatabase('the migration page of a workflow', (database) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(database(), { workflows: [INQUIRY] });
  });
  afterEach(() => server.close());

  test('a manager reads the plan in English and Chinese and moves a ticket with the CSRF-checked form', async () => {
    const { waiting, technical, unsummarised } = await threeTickets(server);
    const manager = await FormClient.signedIn(server.url, PEOPLE.manager);

    // the library page links to the migration once there are two versions
    expect(testId((await manager.get(`/workflows/${INQUIRY}`)).html, 'migrate')).toBe('Move waiting tickets to a later version');

    // the plan: from v1 (the version with open tickets) to v2 (the latest)
    const page = await manager.get(PAGE);
    expect(page.status).toBe(200);
    expect(testId(page.html, 'counts')).toBe('1 move cleanly, 1 land in another step, 1 cannot move.');
    const row = (id: number) => new RegExp(`<tr data-ticket="${id}" data-outcome="([a-z]+)">([\\s\\S]*?)</tr>`).exec(page.html);
    expect(row(waiting)![1]).toBe('clean');
    expect(row(technical)![1]).toBe('moved');
    expect(row(technical)![2]).toContain('Task_L3Management');
    expect(row(unsummarised)![1]).toBe('blocked');
    expect(row(unsummarised)![2]).toContain('a field is now required');
    expect(row(unsummarised)![2]).toContain(formatter('en').t('problems.fieldRequired', { label: '问题摘要 Issue summary' }));
    expect(row(unsummarised)![2]).not.toContain('type="checkbox"');

    const chinese = await FormClient.signedIn(server.url, PEOPLE.manager, 'zh-CN');
    expect(testId((await chinese.get(PAGE)).html, 'counts')).toBe('1 张可原样迁移，1 张会落到其他环节，1 张无法迁移。');

    // a post without the page's CSRF token is refused and moves nothing
    const { _csrf: _, ...hidden } = formFields(page.html, PAGE);
    const value = /name="ticket" value="([^"]+)"/.exec(row(technical)![2]!)![1]!;
    expect((await manager.post(PAGE, { ...hidden, ticket: value }, { csrf: 'forged' })).status).toBe(403);
    expect((await server.call('GET', `/api/tickets/${technical}`)).body.version).toBe(1);

    // the form moves the ticked ticket and goes back to the library with a message
    const applied = await manager.post(PAGE, { ...hidden, ticket: value });
    expect(applied.status).toBe(303);
    expect(applied.location).toBe(`/workflows/${INQUIRY}?version=2`);
    expect((await manager.get(applied.location!)).html).toContain('1 ticket(s) moved from v1 to v2.');
    // a version spelt otherwise than versions are is no page (not the latest shown in its place)
    for (const spelling of ['02', '0', '1e0', 'abc', '9']) expect((await manager.get(`/workflows/${INQUIRY}?version=${spelling}`)).status).toBe(404);
    expect((await server.call('GET', `/api/tickets/${technical}`)).body).toMatchObject({ version: 2, state: ['Task_L3Management'] });

    // the same form again: the ticket is no longer on v1 at that revision, nothing moves, a fresh plan is shown
    const again = await manager.post(PAGE, { ...hidden, ticket: value });
    expect(again.status).toBe(409);
    expect(testId(again.html, 'refusal')).toContain('nothing was moved');
    expect(testId(again.html, 'refusal')).toContain(`#${technical}`);
    expect(testId(again.html, 'counts')).toBe('1 move cleanly, 0 land in another step, 1 cannot move.');
  });

  test('in Chinese: a recorded value the new version refuses names its field and what it allows, the English only on hover', async () => {
    // given a ticket graded L2 on v1, and a v2 whose grading allows L1 and L3 only
    const ticket = ((await server.call('POST', '/api/tickets', { json: TICKET })).body as { id: number }).id;
    await agentEvent(server, ticket, 'answer', { issueSummary: 'app crashes on login' });
    await agentEvent(server, ticket, 'grade', { level: 'L2' });
    const v1 = readFileSync(new URL('../../../workflows/customer-inquiry.bpmn', import.meta.url), 'utf8');
    const v2 = v1.replace('type="enum" options="L1,L2,L3"', 'type="enum" options="L1,L3"');
    expect(v2).not.toBe(v1);
    await server.app.workflows.import(v2, PEOPLE.manager.email);

    // when a Chinese manager plans the move
    const zh = formatter('zh-CN');
    const page = await (await FormClient.signedIn(server.url, PEOPLE.manager, 'zh-CN')).get(PAGE);
    const reason = new RegExp(`<tr data-ticket="${ticket}"[\\s\\S]*?<td data-reason="([a-z_]+)" title="([^"]*)">([^<]*)</td>`).exec(page.html)!;

    // then the reason says which field and which values it allows, in Chinese
    expect(reason[1]).toBe('field_invalid');
    const shown = decode(reason[3]!);
    expect(shown).toContain(zh.t('migration.reasons.field_invalid'));
    expect(shown).toContain(zh.t('problems.fieldNotOption', { label: '问题分级 Level', options: 'L1, L3' }));
    expect(shown).not.toContain('must be one of');
    expect(decode(reason[2]!)).toContain('must be one of');
    // and the API carries the field's problem with its code and values
    const plan = await server.call('POST', `/api/workflows/${INQUIRY}/migrations/plan`, {
      token: server.tokens.manager,
      json: { fromVersion: 1, toVersion: 2 },
    });
    expect(plan.body.tickets[0].reason.problems).toEqual([
      expect.objectContaining({ field: 'level', code: 'fieldNotOption', values: { label: '问题分级 Level', options: 'L1, L3' } }),
    ]);
  });

  test('an agent cannot open the migration page nor post to it', async () => {
    await threeTickets(server);
    const agent = await FormClient.signedIn(server.url, PEOPLE.agent);
    expect((await agent.get(PAGE)).status).toBe(403);
    expect((await agent.post(PAGE, { from: '1', to: '2', ticket: '1:1' })).status).toBe(403);
    expect((await server.call('GET', '/api/tickets/1')).body.version).toBe(1);
  });

  test('in Chinese: blocked reasons, a refused apply naming its tickets, and versions chosen backwards are each said in Chinese', async () => {
    const { technical, unsummarised } = await threeTickets(server);
    const zh = formatter('zh-CN');
    const chinese = await FormClient.signedIn(server.url, PEOPLE.manager, 'zh-CN');
    const page = await chinese.get(PAGE);
    const reason = new RegExp(`<tr data-ticket="${unsummarised}"[\\s\\S]*?<td data-reason="([a-z_]+)" title="([^"]*)">([^<]*)</td>`).exec(page.html)!;
    expect(reason[1]).toBe('field_required');
    expect(reason[3]).toContain(zh.t('migration.reasons.field_required'));
    // the field named in its own sentence; the replay's English only on hover
    expect(decode(reason[3]!)).toContain(zh.t('problems.fieldRequired', { label: '问题摘要 Issue summary' }));
    expect(reason[3]).not.toContain('now required');
    expect(reason[3]).not.toContain('is required');

    // the ticket that cannot move, posted anyway (a crafted form): refused, nothing moved, the ticket named with its reason
    const { _csrf: _, ...hidden } = formFields(page.html, PAGE);
    const revisionOf = async (id: number) => ((await server.call('GET', `/api/tickets/${id}`)).body as { revision: number }).revision;
    const movable = /name="ticket" value="([^"]+)"/.exec(new RegExp(`<tr data-ticket="${technical}"[\\s\\S]*?</tr>`).exec(page.html)![0])![1]!;
    const form = new URLSearchParams({ ...hidden, ticket: movable });
    form.append('ticket', `${unsummarised}:${await revisionOf(unsummarised)}`);
    const refused = await chinese.postRaw(PAGE, form.toString(), 'application/x-www-form-urlencoded');
    expect(refused.status).toBe(400);
    const refusal = refusalOf(refused.html);
    expect(refusal).toContain(zh.t('migration.cannotMove', { to: 2 }));
    expect(refusal).toContain(zh.t('problems.ticketCannotMove', { ticket: unsummarised, reason: 'field_required' }));
    expect(refusal).toContain(`#${unsummarised}`);
    expect(refusal).not.toMatch(/[A-Za-z]{4,}/);
    expect((await server.call('GET', `/api/tickets/${technical}`)).body.version).toBe(1);

    // from a later version to an earlier one: its own reason, not a ticket that cannot move
    const backwards = zh.t('migration.backwards', { from: 2, to: 1 });
    const posted = await chinese.post(PAGE, { from: '2', to: '1', ticket: movable });
    expect(posted.status).toBe(400);
    expect(refusalOf(posted.html)).toBe(backwards);
    const asked = await chinese.get(`${PAGE}?from=2&to=1`);
    expect(asked.status).toBe(400);
    expect(refusalOf(asked.html)).toBe(backwards);
    expect(asked.html).not.toContain('data-testid="plan"');
  });
});

import { eachDatabase } from '../../helpers/databases.js';
import { INQUIRY, threeTickets } from '../../helpers/migration.js';
import { PEOPLE, startTestServer, type TestServer } from '../../helpers/web-server.js';
import { FormClient, formFields, testId } from './support/form-client.js';

const PAGE = `/workflows/${INQUIRY}/migrate`;

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
    expect(row(unsummarised)![2]).toContain('issueSummary');
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
    expect(testId(again.html, 'counts')).toBe('1 move cleanly, 0 land in another step, 1 cannot move.');
  });

  test('an agent cannot open the migration page nor post to it', async () => {
    await threeTickets(server);
    const agent = await FormClient.signedIn(server.url, PEOPLE.agent);
    expect((await agent.get(PAGE)).status).toBe(403);
    expect((await agent.post(PAGE, { from: '1', to: '2', ticket: '1:1' })).status).toBe(403);
    expect((await server.call('GET', '/api/tickets/1')).body.version).toBe(1);
  });
});

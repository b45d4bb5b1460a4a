import { eachDatabase } from '../../helpers/databases.js';
import { FormClient, decode, testId } from './support/form-client.js';
import { PEOPLE, startTestServer, type TestServer } from '../../helpers/web-server.js';

const MIN = 60_000;

eachDatabase('pages: the queue', (database) => {
  let server: TestServer;
  let agent: FormClient;
  beforeEach(async () => {
    server = await startTestServer(database());
    agent = await FormClient.signedIn(server.url, PEOPLE.agent);
  });
  afterEach(() => server.close());

  /** Ticket ids of a queue page, in order, and the link to the next page. */
  async function queuePage(path: string): Promise<{ ids: number[]; next?: string; html: string }> {
    const page = await agent.get(path);
    expect(page.status).toBe(200);
    const ids = [...page.html.matchAll(/<a href="\/tickets\/(\d+)">#/g)].map((m) => Number(m[1]));
    const next = /<a href="([^"]+)" rel="next">/.exec(page.html)?.[1];
    return { ids, html: page.html, ...(next ? { next: decode(next) } : {}) };
  }

  async function walk(path: string): Promise<number[]> {
    const seen: number[] = [];
    let next: string | undefined = path;
    while (next) {
      const page = await queuePage(next);
      seen.push(...page.ids);
      next = page.next;
    }
    return seen;
  }

  test('most urgent first (VIP, then the nearest limit), paged by keyset: every open ticket exactly once, in the order of the API', async () => {
    const { tickets, clock } = server.app;
    const workflows = ['customer-inquiry', 'email-support', 'standard-service', 'phone-service'] as const;
    const channel = { 'customer-inquiry': 'chat', 'email-support': 'email', 'standard-service': 'app', 'phone-service': 'phone' } as const;
    for (let i = 0; i < 130; i++) {
      const workflow = workflows[i % workflows.length]!;
      const created = await tickets.create(
        { workflow, channel: channel[workflow], subject: `ticket ${i}`, customer: { name: `customer ${i % 17}`, externalId: `c-${i % 17}` }, vip: i % 9 === 0 },
        PEOPLE.agent.email,
      );
      if (i % 5 === 0 && workflow === 'customer-inquiry') await tickets.advance(created.id, { type: 'answer' }, PEOPLE.agent.email);
      clock.advance(MIN);
    }
    // Tickets of a workflow without limits have no due time: they come after the others of their VIP rank.
    await server.app.db.write((trx) => trx('tickets').whereRaw('id % 7 = 0').update({ due_at: null }));
    const open: Array<{ id: number; vip: boolean }> = [];
    for (let cursor: string | undefined, page; !page || cursor; cursor = page.next) {
      page = await tickets.list({ state: 'open', limit: 100, ...(cursor ? { cursor } : {}) });
      open.push(...page.items);
    }
    const expected = open.map((t) => t.id);
    expect(expected).toHaveLength(130);

    const first = await queuePage('/queue');
    expect(first.ids).toHaveLength(50);
    expect(testId(first.html, 'queue-count')).toBe('130 open tickets');
    expect(await walk('/queue')).toEqual(expected);

    // VIP tickets lead; the urgency mark says which are past their limit.
    const vipCount = open.filter((t) => t.vip).length;
    expect(first.ids.slice(0, vipCount)).toEqual(expected.slice(0, vipCount));
    expect(first.html).toContain('mark-breached');
  });

  test('filters by workflow, channel, level, step, owner, opened by me, and closed; an empty result says what to do', async () => {
    const { tickets } = server.app;
    const a = await tickets.create({ workflow: 'customer-inquiry', channel: 'chat', subject: 'graded L2', customer: { name: 'A' } }, PEOPLE.agent.email);
    await tickets.advance(a.id, { type: 'answer' }, PEOPLE.agent.email);
    await tickets.advance(a.id, { type: 'grade', fields: { level: 'L2' } }, PEOPLE.agent.email);
    const b = await tickets.create({ workflow: 'email-support', channel: 'email', subject: 'by email', customer: { name: 'B' } }, PEOPLE.manager.email);
    const c = await tickets.create({ workflow: 'phone-service', channel: 'phone', subject: 'to close', customer: { name: 'C' } }, PEOPLE.agent.email);
    await tickets.advance(c.id, { type: 'fail_verification' }, PEOPLE.agent.email);

    expect((await queuePage('/queue?workflow=email-support')).ids).toEqual([b.id]);
    expect((await queuePage('/queue?channel=chat')).ids).toEqual([a.id]);
    expect((await queuePage('/queue?level=L2')).ids).toEqual([a.id]);
    expect((await queuePage('/queue?state=Task_L2TechSupport')).ids).toEqual([a.id]);
    expect((await queuePage(`/queue?owner=${encodeURIComponent('技术支持 Technical support')}`)).ids).toEqual([a.id]);
    expect((await queuePage('/queue?mine=1')).ids).toEqual([a.id]);

    const none = await queuePage('/queue?workflow=complaint-handling');
    expect(none.ids).toEqual([]);
    expect(none.html).toContain('No ticket matches these filters.');
    expect(none.html).toContain('Clear filters');

    const closed = await queuePage('/queue?state=closed');
    expect(closed.ids).toEqual([c.id]);
    expect(testId(closed.html, 'queue-count')).toBe('1 closed ticket');
  });

  test('an empty queue says what to do next', async () => {
    const page = await queuePage('/queue');
    expect(page.html).toContain('The queue is empty.');
    expect(page.html).toContain('href="/tickets/new"');
  });
});

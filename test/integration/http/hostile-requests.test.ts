import { pino } from 'pino';
import type { InputLimits } from '../../../server/shared/config.js';
import { eachDatabase } from '../../helpers/databases.js';
import { PEOPLE, startTestServer, type Answer, type TestServer } from '../../helpers/web-server.js';
import { createI18n, LOCALES_DIR } from '../../../server/shared/i18n.js';
import { FormClient } from '../web/support/form-client.js';

/** Limits set low, so that hostile inputs stay a few kilobytes and the tests fast. */
const LIMITS: Partial<InputLimits> = {
  jsonBodyBytes: 8 * 1024,
  jsonDepth: 16,
  subjectChars: 40,
  customerNameChars: 30,
  fieldNameChars: 20,
  fieldStringChars: 20,
  fieldTextChars: 60,
  fieldNumberMagnitude: 1000,
  fieldListItems: 3,
  fieldsPerTicket: 8,
  fieldsBytes: 300,
  listPageMax: 5,
  listPageDefault: 5,
};

const TICKET = { workflow: 'customer-inquiry', channel: 'chat', subject: 'cannot log in', customer: { name: 'Wang Wei' } };
const TABLES = ['tickets', 'customers', 'step_log', 'timers', 'notifications'] as const;

eachDatabase('hostile requests: bounded ticket data, malformed requests, strict ids', (database) => {
  let server: TestServer;
  let logs: Array<{ level: number; err?: unknown }>;
  beforeEach(async () => {
    logs = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as { level: number }) });
    server = await startTestServer(database(), { workflows: ['customer-inquiry'], logger, config: { limits: LIMITS } });
  });
  afterEach(async () => {
    // Refusals are the caller's fault: logged at warn, never at error level with a stack.
    expect(logs.filter((line) => line.level >= 50)).toEqual([]);
    await server.close();
  });

  /** Row counts of every table a ticket writes to: what "nothing was written" compares. */
  async function rows(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const table of TABLES) {
      const [row] = (await server.app.db.knex(table).count({ n: '*' })) as Array<{ n: number | string }>;
      counts[table] = Number(row!.n);
    }
    return counts;
  }

  /**
   * Sends the hostile request while asking /healthz again and again until it is answered: every health
   * check must answer 200 within 1 s, and the hostile request must have written nothing.
   */
  async function refused(hostile: () => Promise<Answer>): Promise<Answer> {
    const before = await rows();
    let settled = false;
    const answer = hostile().finally(() => {
      settled = true;
    });
    const waits: number[] = [];
    do {
      const started = performance.now();
      const health = await fetch(`${server.url}/healthz`);
      waits.push(performance.now() - started);
      expect(health.status).toBe(200);
    } while (!settled);
    expect(Math.max(...waits)).toBeLessThan(1000);
    const answered = await answer;
    expect(await rows()).toEqual(before);
    return answered;
  }

  const create = (json: unknown) => refused(() => server.call('POST', '/api/tickets', { json }));
  const advance = (id: number, json: unknown) => refused(() => server.call('POST', `/api/tickets/${id}/events`, { json }));
  const code = (answer: Answer) => [answer.status, answer.body.error?.code];
  const fieldsOf = (answer: Answer) => (answer.body.error.details as Array<{ field: string }>).map((d) => d.field).sort();

  test('ticket fields are bounded by type on create and advance: 400 naming the field, nothing written', async () => {
    const long = await create({ ...TICKET, subject: 's'.repeat(41), customer: { name: 'n'.repeat(31), externalId: 'e'.repeat(31) } });
    expect(code(long)).toEqual([400, 'validation_failed']);
    expect(fieldsOf(long)).toEqual(['customer.externalId', 'customer.name', 'subject']);

    // Fields no step declares: short text, sane numbers, true/false, null or a short list of those; never objects.
    const undeclared = await create({
      ...TICKET,
      fields: { note: 'x'.repeat(61), amount: 1001, tags: ['a', 'b', 'c', 'd'], nested: { a: 1 }, [`n${'a'.repeat(20)}`]: 1, fine: [1, 'two', null] },
    });
    expect(code(undeclared)).toEqual([400, 'validation_failed']);
    expect(fieldsOf(undeclared)).toEqual(['amount', 'naaaaaaaaaaaaaaaaaaaa…', 'nested', 'note', 'tags']);
    const tooMany = await create({ ...TICKET, fields: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`f${i}`, i])) });
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.error).toMatchObject({ code: 'payload_too_large', details: { limit: 'TICKET_FIELDS_MAX_COUNT', maximum: 8 } });

    const created = await server.call('POST', '/api/tickets', { json: TICKET });
    expect(created.status).toBe(201);
    const { id } = created.body as { id: number };
    // issueSummary is a declared text field (at most 60 characters here); the step's own rules still apply after.
    const summary = await advance(id, { type: 'answer', fields: { issueSummary: 'x'.repeat(61) }, expectedRevision: 1 });
    expect(code(summary)).toEqual([400, 'validation_failed']);
    expect(summary.body.error.details).toEqual([
      { field: 'issueSummary', message: expect.stringContaining('TICKET_FIELD_TEXT_MAX_CHARS'), code: 'tooLong', values: { limit: 60 } },
    ]);
    expect((await server.call('GET', `/api/tickets/${id}`)).body.revision).toBe(1);

    // Each field within its own limit, together over the ticket's: 413 naming TICKET_FIELDS_MAX_BYTES.
    const several = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`extra${i}`, 'y'.repeat(59)]));
    const total = await advance(id, { type: 'answer', fields: { issueSummary: 'ok', ...several }, expectedRevision: 1 });
    expect(total.status).toBe(413);
    expect(total.body.error).toMatchObject({ code: 'payload_too_large', details: { limit: 'TICKET_FIELDS_MAX_BYTES', maximum: 300 } });
    const ticket = (await server.call('GET', `/api/tickets/${id}`)).body;
    expect([ticket.revision, ticket.fields]).toEqual([1, { vip: false }]);

    // level is an enum of a later step: sent early, it is still one of its options.
    const level = await advance(id, { type: 'answer', fields: { level: 'L9' }, expectedRevision: 1 });
    expect(level.body.error).toMatchObject({ code: 'validation_failed', details: [{ field: 'level' }] });
    expect((await server.call('POST', `/api/tickets/${id}/events`, { json: { type: 'answer', fields: { issueSummary: 'ok' } } })).status).toBe(200);
  });

  test('the pages refuse the same field values as the API, with nothing written', async () => {
    const agent = await FormClient.signedIn(server.url, PEOPLE.agent, 'zh-CN');
    const { id } = (await server.call('POST', '/api/tickets', { json: TICKET })).body as { id: number };
    await agent.get(`/tickets/${id}`);
    const posted = await refused(async () => {
      const page = await agent.post(`/tickets/${id}/actions`, {
        event: 'answer',
        step: 'Task_Answer',
        expectedRevision: '1',
        'field.issueSummary': 'x'.repeat(61),
      });
      return { status: page.status, headers: page.headers, body: page.html };
    });
    expect(posted.status).toBe(400);
    // Too long, said as such by its code in the reader's language (not "enter text", as for a value of the wrong type).
    const zh = createI18n(LOCALES_DIR).formatter('zh-CN');
    expect(/class="field-error" id="[^"]*-error">([^<]*)</.exec(posted.body)?.[1]).toBe(zh.t('fields.tooLong', { label: '问题摘要 Issue summary', max: 60 }));
    expect((await server.call('GET', `/api/tickets/${id}`)).body.revision).toBe(1);

    await agent.get('/tickets/new');
    const intake = await refused(async () => {
      const page = await agent.post('/tickets', { channel: 'chat', workflow: 'customer-inquiry', customerName: 'Wang Wei', subject: 's'.repeat(41) });
      return { status: page.status, headers: page.headers, body: page.html };
    });
    expect(intake.status).toBe(400);
    expect(intake.body).toContain(zh.t('fields.tooLong', { label: zh.t('intake.subject'), max: 40 }));
  });

  test('character limits count characters: astral ones (𠀀, emoji) at the limit are accepted, one more is refused', async () => {
    const cjk = (n: number) => '𠀀'.repeat(n);
    const emoji = (n: number) => '😀'.repeat(n);
    const atLimit = await server.call('POST', '/api/tickets', {
      json: { ...TICKET, subject: cjk(40), customer: { name: emoji(30), externalId: cjk(30) }, fields: { [cjk(20)]: 1 } },
    });
    expect(atLimit.status).toBe(201);
    expect(atLimit.body).toMatchObject({ subject: cjk(40), customer: { name: emoji(30) }, fields: { [cjk(20)]: 1 } });
    const over = await create({ ...TICKET, subject: cjk(41), customer: { name: emoji(31), externalId: cjk(31) } });
    expect(code(over)).toEqual([400, 'validation_failed']);
    expect(fieldsOf(over)).toEqual(['customer.externalId', 'customer.name', 'subject']);

    // A field's value (issueSummary: text, 60 here) and a field's name (20 here), on advance.
    const { id } = (await server.call('POST', '/api/tickets', { json: TICKET })).body as { id: number };
    const summary = await advance(id, { type: 'answer', fields: { issueSummary: emoji(61) }, expectedRevision: 1 });
    expect(summary.body.error).toMatchObject({ code: 'validation_failed', details: [{ field: 'issueSummary' }] });
    const named = await advance(id, { type: 'answer', fields: { [cjk(21)]: 1 }, expectedRevision: 1 });
    expect(named.body.error).toMatchObject({ code: 'validation_failed', details: [{ field: expect.stringMatching(/…$/) }] });
    const advanced = await server.call('POST', `/api/tickets/${id}/events`, {
      json: { type: 'answer', fields: { issueSummary: emoji(60) }, expectedRevision: 1 },
    });
    expect(advanced.status).toBe(200);
    expect(advanced.body.fields).toMatchObject({ issueSummary: emoji(60) });

    // A bound the API's schema holds (a table's name, TABLE_NAME_LIMIT 500) counts the same way, and says so in the OpenAPI document.
    const table = (name: string) => server.call('POST', '/api/execution-tables', { token: server.tokens.manager, json: { name, startDate: '2026-11-23' } });
    expect((await table(emoji(500))).status).toBe(201);
    expect((await table(emoji(501))).body.error).toMatchObject({ code: 'validation_failed', details: [{ field: 'name' }] });
    const openapi = (await server.call('GET', '/api/openapi.json', { token: null })).body;
    expect(openapi.paths['/api/execution-tables'].post.requestBody.content['application/json'].schema.properties.name).toMatchObject({ maxLength: 500 });

    // The intake page: the same count, and a maxlength the browser lets 40 astral characters through.
    const agent = await FormClient.signedIn(server.url, PEOPLE.agent);
    expect((await agent.get('/tickets/new')).html).toMatch(/<input id="i-subject" name="subject" maxlength="1000"/);
    const form = { channel: 'chat', workflow: 'customer-inquiry', customerName: emoji(30) };
    expect((await agent.post('/tickets', { ...form, subject: cjk(40) })).status).toBe(303);
    const intake = await refused(async () => {
      const page = await agent.post('/tickets', { ...form, subject: cjk(41) });
      return { status: page.status, headers: page.headers, body: page.html };
    });
    expect(intake.status).toBe(400);
    expect(intake.body).toMatch(/<input id="i-subject"[^>]*aria-invalid="true"/);
  });

  test('text that cannot be stored as sent (NUL, half a surrogate pair) is refused naming the field, in the API and the pages', async () => {
    const before = (await server.call('GET', '/api/tickets')).body.items.length;
    for (const subject of ['a\u0000b', 'a\ud800c', 'a\udc00'])
      expect((await server.call('POST', '/api/tickets', { json: { ...TICKET, subject } })).body.error).toMatchObject({
        code: 'validation_failed',
        details: [{ field: 'subject' }],
      });
    const nested = await server.call('POST', '/api/tickets', { json: { ...TICKET, customer: { name: 'Wang\u0000' } } });
    expect(nested.body.error).toMatchObject({ code: 'validation_failed', details: [{ field: 'customer.name' }] });
    const table = await server.call('POST', '/api/execution-tables', {
      token: server.tokens.manager,
      json: { name: 'nul\u0000name', startDate: '2026-11-23' },
    });
    expect(table.body.error).toMatchObject({ code: 'validation_failed', details: [{ field: 'name' }] });
    const agent = await FormClient.signedIn(server.url, PEOPLE.agent);
    await agent.get('/tickets/new');
    const page = await agent.post('/tickets', { channel: 'chat', workflow: 'customer-inquiry', customerName: 'Wang Wei', subject: 'a\u0000b' });
    expect(page.status).toBe(400);
    expect((await server.call('GET', '/api/tickets')).body.items.length).toBe(before);

    // a whole pair (an emoji) is text like any other, stored as sent
    const emoji = await server.call('POST', '/api/tickets', { json: { ...TICKET, subject: '😀 refund' } });
    expect(emoji.status).toBe(201);
    expect((await server.call('GET', `/api/tickets/${emoji.body.id}`)).body.subject).toBe('😀 refund');
  });

  test('the VIP flag is not a field, nor is an instance of a step without: refused on create and advance, nothing changed', async () => {
    const created = await server.call('POST', '/api/tickets', { json: { ...TICKET, fields: { vip: true } } });
    expect(created.body.error).toMatchObject({ code: 'validation_failed', details: [{ field: 'vip' }] });
    const unnamed = await server.call('POST', '/api/tickets', { json: { ...TICKET, fields: { '': 'x' } } });
    expect(unnamed.body.error).toMatchObject({ code: 'validation_failed', details: [{ field: 'fields' }] });
    const { id } = (await server.call('POST', '/api/tickets', { json: TICKET })).body as { id: number };
    const advanced = await server.call('POST', `/api/tickets/${id}/events`, { json: { type: 'answer', fields: { vip: true } } });
    expect(advanced.body.error).toMatchObject({ code: 'validation_failed', details: [{ field: 'vip' }] });
    expect((await server.call('GET', `/api/tickets/${id}`)).body).toMatchObject({ vip: false, revision: 1 });
    // an instance named on a step that has none is refused too, nothing advanced
    const instance = await server.call('POST', `/api/tickets/${id}/events`, { json: { type: 'answer', instance: 99 } });
    expect(instance.status).toBe(422);
    expect(instance.body.error).toMatchObject({ code: 'event_not_allowed', details: { allowedEvents: expect.arrayContaining(['answer']) } });
    expect((await server.call('GET', `/api/tickets/${id}`)).body.revision).toBe(1);
    const flagged = await server.call('PATCH', `/api/tickets/${id}`, { json: { vip: true } });
    expect(flagged.body).toMatchObject({ vip: true, fields: { vip: true } });
  });

  test('lists are pages of at most LIST_PAGE_MAX tickets, walked by cursor', async () => {
    for (let i = 0; i < 7; i++) await server.call('POST', '/api/tickets', { json: { ...TICKET, subject: `t${i}` } });
    const over = await refused(() => server.call('GET', '/api/tickets?limit=6'));
    expect(code(over)).toEqual([400, 'validation_failed']);
    expect(over.body.error.details).toEqual([{ field: 'limit', message: expect.stringContaining('5'), code: 'outOfRange', values: { min: 1, max: 5 } }]);
    const first = await server.call('GET', '/api/tickets');
    expect(first.body.items).toHaveLength(5);
    const second = await server.call('GET', `/api/tickets?cursor=${first.body.next}`);
    expect(second.body.items).toHaveLength(2);
    expect(second.body).not.toHaveProperty('next');
    const forged = await refused(() => server.call('GET', `/api/tickets?cursor=${Buffer.from('0.0.x.1').toString('base64url')}`));
    expect(code(forged)).toEqual([400, 'validation_failed']);
  });

  test('malformed requests are 4xx in the error format, never 500: gzip, percent-encoding, multipart, deep or large JSON', async () => {
    const gzip = await refused(() =>
      server.call('POST', '/api/tickets', { body: 'this is not gzip at all', type: 'application/json', headers: { 'content-encoding': 'gzip' } }),
    );
    expect(code(gzip)).toEqual([400, 'bad_request']);

    const path = await refused(() => server.call('GET', '/api/tickets/%E0%A4%A'));
    expect(code(path)).toEqual([400, 'bad_request']);
    const agent = await FormClient.signedIn(server.url, PEOPLE.agent);
    expect((await agent.get('/tickets/%E0%A4%A')).status).toBe(400);

    const boundary = 'sopflowboundary';
    const truncated = await refused(() =>
      server.call('POST', '/api/execution-tables/1/import', {
        token: server.tokens.manager,
        type: `multipart/form-data; boundary=${boundary}`,
        body: `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="plan.xlsx"\r\nContent-Type: application/octet-stream\r\n\r\nPK\u0003\u0004 cut here`,
      }),
    );
    expect(code(truncated)).toEqual([400, 'bad_request']);

    const deep = await refused(() => server.call('POST', '/api/tickets', { body: `${'['.repeat(3000)}${']'.repeat(3000)}`, type: 'application/json' }));
    expect(deep.status).toBe(413);
    expect(deep.body.error).toMatchObject({ code: 'payload_too_large', details: { limit: 'JSON_MAX_DEPTH', maximum: 16 } });
    let nested: unknown = 'leaf';
    for (let i = 0; i < 20; i++) nested = { a: nested };
    const deepField = await create({ ...TICKET, fields: { nested } });
    expect(deepField.body.error).toMatchObject({ code: 'payload_too_large', details: { limit: 'JSON_MAX_DEPTH' } });

    const large = await create({ ...TICKET, fields: { note: 'x'.repeat(9000) } });
    expect(large.status).toBe(413);
    expect(large.body.error).toMatchObject({ code: 'payload_too_large', details: { limit: 'JSON_BODY_MAX_BYTES', maximum: 8 * 1024 } });
    expect(logs.some((line) => line.level === 40)).toBe(true);
  });

  test('ids have one spelling: 0x10 is not ticket 16, in the API or the pages', async () => {
    for (let i = 0; i < 16; i++) await server.call('POST', '/api/tickets', { json: { ...TICKET, subject: `t${i + 1}` } });
    expect((await server.call('GET', '/api/tickets/16')).body.subject).toBe('t16');
    for (const spelling of ['0x10', '16.0', '1.6e1', '016', ' 16']) {
      const answer = await refused(() => server.call('GET', `/api/tickets/${encodeURIComponent(spelling)}`));
      expect([spelling, ...code(answer)]).toEqual([spelling, 400, 'validation_failed']);
      const advanced = await refused(() => server.call('POST', `/api/tickets/${encodeURIComponent(spelling)}/events`, { json: { type: 'answer' } }));
      expect([spelling, advanced.status]).toEqual([spelling, 400]);
    }
    const agent = await FormClient.signedIn(server.url, PEOPLE.agent);
    expect((await agent.get('/tickets/16')).status).toBe(200);
    expect((await agent.get('/tickets/0x10')).status).toBe(404);
    expect((await agent.get('/customers/0x1')).status).toBe(404);
    const version = await server.call('GET', '/api/workflows/customer-inquiry/versions/0x1/bpmn');
    expect(code(version)).toEqual([400, 'validation_failed']);
  });
});

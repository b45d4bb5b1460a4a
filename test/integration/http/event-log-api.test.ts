// The event log (GET /api/event-log.xes and .csv) against the step log it is made of, on both databases:
// schema-valid XES, CSV that parses back to the same visits, hostile text intact, the filters and the roles.
import { readFileSync } from 'node:fs';
import { CSV_HEADER } from '../../../server/services/analytics/event-log-csv.js';
import { eachDatabase } from '../../helpers/databases.js';
import { bpmn, flow } from '../../helpers/bpmn.js';
import { T0 } from '../../helpers/sopflow.js';
import { AGENT, MANAGER, PEOPLE, startTestServer, type TestServer } from '../../helpers/web-server.js';
import { csvRows, parseXes, undefused, visitsOf, xesProblems, type LoggedVisit, type XesElement } from './support/event-logs.js';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
type Ev = { type: string; fields?: Record<string, unknown> };

interface StepLogEntry {
  step: string;
  stepName: string;
  enteredAt: number;
  exitedAt?: number;
  actor?: string;
}

eachDatabase('HTTP API: event log', (database) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(database());
  });
  afterEach(() => server.close());

  const get = (path: string, token: string | null = server.tokens.manager) => server.call('GET', path, { token });
  /** A download as bytes decoded here: fetch's text() would drop the byte-order mark the CSV must start with. */
  async function download(path: string): Promise<{ status: number; headers: Headers; body: string }> {
    const response = await fetch(server.url + path, { headers: { authorization: `Bearer ${server.tokens.manager}` } });
    return { status: response.status, headers: response.headers, body: new TextDecoder('utf-8', { ignoreBOM: true }).decode(await response.arrayBuffer()) };
  }

  /** A ticket opened now and driven through `events`, `gapMs` apart, each by `actor`. */
  async function ticket(workflow: string, channel: string, events: Ev[], { vip = false, actor = AGENT as string, gapMs = 7 * MIN } = {}): Promise<number> {
    const { id } = await server.app.tickets.create({ workflow, channel, subject: 'order 17', customer: { name: '王伟' }, vip }, actor);
    for (const event of events) {
      server.app.clock.advance(gapMs);
      await server.app.tickets.advance(id, event, actor);
    }
    return id;
  }

  /** The visits the step log holds, as the event log should tell them (XML drops what it cannot carry). */
  async function expectedVisits(id: number, clean: (text: string) => string = (t) => t): Promise<LoggedVisit[]> {
    const answer = await get(`/api/tickets/${id}`);
    const waiting = new Set(
      Object.values((await server.app.workflows.latest(answer.body.workflow)).workflow.steps).flatMap((s) => (s.waitingOnCustomer ? [s.id] : [])),
    );
    return (answer.body.stepLog as StepLogEntry[]).map((v) => ({
      name: clean(v.stepName),
      enteredAt: v.enteredAt,
      exitedAt: v.exitedAt ?? null,
      actor: v.actor === undefined ? null : clean(v.actor),
      suspended: waiting.has(v.step),
    }));
  }

  const xesEvents = (trace: XesElement & { events: XesElement[] }) =>
    trace.events.map(({ attributes: a }) => ({
      activity: a['concept:name'] as string,
      timestamp: Date.parse(a['time:timestamp'] as string),
      lifecycle: a['lifecycle:transition'] as string,
      resource: (a['org:resource'] as string | undefined) ?? null,
      sequence: a.sequence as number,
      instance: a['concept:instance'] as string,
    }));
  const csvEvents = (rows: Array<Record<string, string>>, caseId: number) =>
    rows
      .filter((r) => r.case_id === String(caseId))
      .map((r) => ({
        activity: undefused(r.activity!),
        timestamp: Date.parse(r.timestamp!),
        lifecycle: r.lifecycle!,
        resource: r.resource === '' ? null : undefused(r.resource!),
        sequence: Number(r.sequence),
      }));
  const caseIds = (csv: string) => [...new Set(csvRows(csv, CSV_HEADER).map((r) => Number(r.case_id)))];

  test('XES (schema-valid) and CSV carry every visit: start/complete, suspend/resume while waiting on the customer, in time order', async () => {
    // given: a reopened inquiry, an e-mail that waits on the customer twice, a phone call still open
    const inquiry = await ticket('customer-inquiry', 'chat', [
      { type: 'answer' },
      { type: 'grade', fields: { level: 'L1' } },
      { type: 'resolve' },
      { type: 'send_feedback' },
      { type: 'record_follow_up', fields: { satisfaction: 2, resolved: false } },
      { type: 'resolve' },
      { type: 'send_feedback' },
      { type: 'record_follow_up', fields: { satisfaction: 5, resolved: true } },
    ]);
    const email = await ticket(
      'email-support',
      'email',
      [
        { type: 'classify', fields: { priority: 'high', type: 'billing' } },
        { type: 'assign', fields: { assignee: MANAGER } },
        { type: 'request_info' },
        { type: 'customer_reply' },
        { type: 'resolve' },
        { type: 'confirm', fields: { resolved: true } },
      ],
      { vip: true, actor: MANAGER },
    );
    const call = await ticket('phone-service', 'phone', [{ type: 'verify' }]);

    // when
    const xes = await get('/api/event-log.xes');
    const csv = await download('/api/event-log.csv');

    // then: XES is valid IEEE 1849-2016 and declares what it uses
    expect(xes.status).toBe(200);
    expect(xes.headers.get('content-type')).toMatch(/^application\/xml/);
    expect(xes.headers.get('content-disposition')).toBe('attachment; filename=sopflow-event-log.xes');
    expect(await xesProblems(xes.body)).toEqual([]);
    const log = parseXes(xes.body);
    expect(log.extensions.map((e) => e.prefix).sort()).toEqual(['concept', 'lifecycle', 'org', 'time']);
    expect(log.classifiers).toContainEqual({ name: 'Activity', keys: 'concept:name' });
    expect(Object.keys(log.globals.event!)).toEqual(expect.arrayContaining(['concept:name', 'time:timestamp', 'lifecycle:transition', 'sequence']));
    expect(log.traces.map((t) => t.attributes['concept:name'])).toEqual([String(inquiry), String(email), String(call)]);
    expect(log.traces[1]!.attributes).toEqual({ 'concept:name': String(email), channel: 'email', vip: true, workflow: 'email-support', version: 1 });
    expect(log.traces[0]!.attributes).toMatchObject({ channel: 'chat', level: 'L1', vip: false, workflow: 'customer-inquiry', version: 1 });

    const rows = csvRows(csv.body, CSV_HEADER);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.body.endsWith('\r\n')).toBe(true);
    for (const [i, id] of [inquiry, email, call].entries()) {
      const fromXes = xesEvents(log.traces[i]!);
      // each trace in time order, numbered 1..n; a visit's events share its instance (the visit number)
      expect(fromXes.map((e) => e.sequence)).toEqual(fromXes.map((_, k) => k + 1));
      expect(fromXes.map((e) => e.timestamp)).toEqual([...fromXes.map((e) => e.timestamp)].sort((a, b) => a - b));
      expect(visitsOf(fromXes)).toEqual(await expectedVisits(id));
      // the CSV says the same, event for event, with the case's columns on every row
      expect(csvEvents(rows, id)).toEqual(fromXes.map(({ instance: _, ...e }) => e));
      const own = rows.filter((r) => r.case_id === String(id));
      expect(new Set(own.map((r) => `${r.channel}|${r.level}|${r.vip}|${r.workflow}|${r.version}`)).size).toBe(1);
    }
    const waits = xesEvents(log.traces[1]!).filter((e) => e.lifecycle === 'suspend' || e.lifecycle === 'resume');
    expect(waits.map((e) => `${e.lifecycle} ${e.activity}`)).toEqual([
      'suspend 等待客户回复 Customer replies',
      'resume 等待客户回复 Customer replies',
      'suspend 跟进确认 Follow up & confirm',
      'resume 跟进确认 Follow up & confirm',
    ]);
    expect(xesEvents(log.traces[2]!).at(-1)).toMatchObject({ lifecycle: 'start', resource: null });
    expect(rows).toHaveLength(log.traces.reduce((n, t) => n + t.events.length, 0));
  });

  test('hostile step names and actors round-trip: quotes, line breaks, <, &, control characters, Chinese, formulas defused', async () => {
    // given: a workflow whose steps are named with everything XML and CSV must escape
    const names = ['"引号", <b>& 逗号', '=HYPERLINK("http://x")\n第二行\ttab', '@SUM(1) 中文', '-1+1', "'单引号' > end"];
    const xml = (text: string) => text.replace(/[&<>"\n\t]/g, (c) => `&#${c.charCodeAt(0)};`);
    const tasks = names.map((name, i) => `<bpmn:userTask id="t${i}" name="${xml(name)}"/>`).join('\n');
    const chain = ['start', ...names.map((_, i) => `t${i}`), 'end'];
    const body = `<bpmn:startEvent id="start"/>${tasks}<bpmn:endEvent id="end"/>${chain
      .slice(1)
      .map((id, i) => flow(chain[i]!, id))
      .join('')}`;
    expect(
      (await server.call('POST', '/api/workflows', { token: server.tokens.manager, body: bpmn(body, { id: 'hostile' }), type: 'application/xml' })).status,
    ).toBe(201);
    const actors = [
      '=cmd|" /C calc"!A0',
      'tab\tcr\rlf\n"quoted", comma',
      'ctl\u0001\u0008\u000b\u001f end',
      '+86 <script>&amp;</script> 客服',
      '\uFFFE non-character',
    ];
    const { id } = await server.app.tickets.create({ workflow: 'hostile', channel: 'chat', subject: 's', customer: { name: 'c' } }, AGENT);
    for (const actor of actors) await server.app.tickets.advance(id, { type: (await server.app.tickets.get(id)).allowedEvents[0]! }, actor);

    // when
    const xes = await get('/api/event-log.xes?workflow=hostile');
    const csv = await download('/api/event-log.csv?workflow=hostile');

    // then: XES is valid and says what XML 1.0 can carry; CSV says everything, formulas behind an apostrophe
    expect(await xesProblems(xes.body)).toEqual([]);
    const xmlSafe = (text: string) => text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '');
    const expected = await expectedVisits(id);
    expect(expected.map((v) => v.actor)).toEqual(actors);
    expect(expected.map((v) => v.name)).toEqual(names);
    expect(visitsOf(xesEvents(parseXes(xes.body).traces[0]!))).toEqual(await expectedVisits(id, xmlSafe));
    expect(visitsOf(csvEvents(csvRows(csv.body, CSV_HEADER), id))).toEqual(expected);
    const cells = csvRows(csv.body, CSV_HEADER).flatMap((r) => [r.activity!, r.resource!]);
    expect(cells.filter((c) => /^[=+\-@\t\r]/.test(c))).toEqual([]);
    expect(cells).toContain(`'=cmd|" /C calc"!A0`);
    expect(csv.body).toContain(`"'=HYPERLINK(""http://x"")\n第二行\ttab"`);
  });

  test('filters: workflow, version, created in [from, to), channel, level, VIP; bad filters refused', async () => {
    // given: tickets a day apart, the last on version 2 of the inquiry
    const a = await ticket('customer-inquiry', 'chat', [{ type: 'answer' }, { type: 'grade', fields: { level: 'L2' } }], { vip: true });
    server.app.clock.set(T0 + DAY);
    const b = await ticket('email-support', 'email', []);
    server.app.clock.set(T0 + 2 * DAY);
    const c = await ticket('customer-inquiry', 'phone', [{ type: 'answer' }, { type: 'grade', fields: { level: 'L1' } }]);
    const source = readFileSync(new URL('../../../workflows/customer-inquiry.bpmn', import.meta.url), 'utf8');
    // a real change makes version 2: the same workflow in other bytes would be the same version
    await server.app.workflows.import(source.replace('sla="PT5M" vipSla="PT15S"', 'sla="PT6M" vipSla="PT15S"'), MANAGER);
    server.app.clock.set(T0 + 3 * DAY);
    const d = await ticket('customer-inquiry', 'app', []);

    const ids = async (query: string) => caseIds((await download(`/api/event-log.csv?${query}`)).body);
    expect(await ids('')).toEqual([a, b, c, d]);
    expect(await ids('workflow=customer-inquiry')).toEqual([a, c, d]);
    expect(await ids('workflow=customer-inquiry&version=1')).toEqual([a, c]);
    expect(await ids('workflow=customer-inquiry&version=2')).toEqual([d]);
    expect(await ids(`from=${T0 + DAY}&to=${T0 + 3 * DAY}`)).toEqual([b, c]);
    expect(await ids(`from=${new Date(T0 + 2 * DAY).toISOString()}`)).toEqual([c, d]);
    // a date alone is 00:00 at ANALYTICS_UTC_OFFSET (+08:00 by default): T0 is 17:00 there, so that day starts after the first two
    expect(await ids(`to=${new Date(T0 + 2 * DAY).toISOString().slice(0, 10)}`)).toEqual([a, b]);
    expect(await ids('channel=email')).toEqual([b]);
    expect(await ids('level=L2')).toEqual([a]);
    expect(await ids('level=none')).toEqual([b, d]);
    expect(await ids('vip=true')).toEqual([a]);
    expect(await ids('vip=false&workflow=customer-inquiry')).toEqual([c, d]);
    const filtered = parseXes((await get('/api/event-log.xes?workflow=customer-inquiry&version=2')).body);
    expect(filtered.traces.map((t) => [t.attributes['concept:name'], t.attributes.version])).toEqual([[String(d), 2]]);
    const named = await get(`/api/event-log.xes?workflow=customer-inquiry&version=2&from=${T0}&to=${T0 + 3 * DAY}`);
    expect(named.headers.get('content-disposition')).toBe('attachment; filename=sopflow-event-log-customer-inquiry-v2-2026-11-23-2026-11-26.xes');
    // the channel, level and VIP filters are named too: differently filtered exports never share a name
    const disposition = async (query: string) => (await get(`/api/event-log.csv?${query}`)).headers.get('content-disposition');
    expect(await disposition('channel=email&level=L2&vip=true')).toBe('attachment; filename=sopflow-event-log-email-level-L2-vip.csv');
    expect(await disposition('level=none&vip=false')).toBe('attachment; filename=sopflow-event-log-no-level-not-vip.csv');

    // refused before a byte is written, with the error's code
    const refused = async (query: string) => {
      const answer = await get(`/api/event-log.xes?${query}`);
      return [answer.status, answer.body.error?.code, answer.body.error?.details?.[0]?.field];
    };
    expect(await refused('version=1')).toEqual([400, 'validation_failed', 'version']);
    expect(await refused('workflow=nope')).toEqual([404, 'not_found', undefined]);
    expect(await refused('workflow=customer-inquiry&version=9')).toEqual([404, 'not_found', undefined]);
    expect(await refused('from=yesterday')).toEqual([400, 'validation_failed', 'from']);
    expect(await refused(`from=${T0}&to=${T0}`)).toEqual([400, 'validation_failed', 'to']);
    expect(await refused('channel=fax')).toEqual([400, 'validation_failed', 'channel']);
    expect(await refused('vip=yes')).toEqual([400, 'validation_failed', 'vip']);
    expect(await refused('colour=red')).toEqual([400, 'validation_failed', 'colour']);
  });

  test('managers and admins may export; an agent is refused (403), a caller without a token too (401)', async () => {
    await ticket('customer-inquiry', 'chat', [{ type: 'answer' }]);
    const admin = (await server.app.users.createToken(PEOPLE.admin.email)).token;
    for (const format of ['csv', 'xes']) {
      expect((await get(`/api/event-log.${format}`, server.tokens.agent)).body.error.code).toBe('forbidden');
      expect((await get(`/api/event-log.${format}`, server.tokens.agent)).status).toBe(403);
      expect((await get(`/api/event-log.${format}`, null)).status).toBe(401);
      expect((await get(`/api/event-log.${format}`, server.tokens.manager)).status).toBe(200);
      expect((await get(`/api/event-log.${format}`, admin)).status).toBe(200);
    }
  });
});

import { sqliteDatabase } from '../../helpers/databases.js';
import { sampleField, seeded } from '../../helpers/random-walk.js';
import { HOSTILE_SHAPES, manyTasks, SELF_LOOP_BPMN } from '../../helpers/hostile-bpmn.js';
import { startTestServer, PEOPLE, type Answer, type TestServer } from '../../helpers/web-server.js';
import { FormClient } from '../web/support/form-client.js';

/**
 * Runs `hostile` while polling /healthz every 20 ms on its own requests; answers the hostile request and the
 * longest any health check took (or has been waiting, for one still open when the hostile request ended).
 */
async function whileProbing(url: string, hostile: () => Promise<Answer>): Promise<{ answer: Answer; longestHealthMs: number }> {
  let done = false;
  let longest = 0;
  let pending: number | undefined;
  const probe = (async () => {
    while (!done) {
      const sent = performance.now();
      pending = sent;
      const response = await fetch(`${url}/healthz`);
      await response.text();
      pending = undefined;
      expect(response.status).toBe(200);
      longest = Math.max(longest, performance.now() - sent);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, 30));
  const answer = await hostile();
  if (pending !== undefined) longest = Math.max(longest, performance.now() - pending);
  done = true;
  await probe;
  return { answer, longestHealthMs: longest };
}

describe('hostile BPMN uploads over HTTP (issue 13, items 3–5)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(sqliteDatabase(), { workflows: ['customer-inquiry'], config: { queueFilterOptions: 3 } });
  });
  afterAll(() => server.close());

  const upload = (body: string) => server.call('POST', '/api/workflows', { body, type: 'application/xml', token: server.tokens.manager });
  const versions = async () => (await server.app.workflows.list()).map((w) => `${w.key}@${w.latestVersion}`);

  test.each(Object.keys(HOSTILE_SHAPES))('%s, 1 MB: 422 invalid_bpmn, nothing published, /healthz answering within 1 s meanwhile', async (shape) => {
    const before = await versions();
    const { answer, longestHealthMs } = await whileProbing(server.url, () => upload(HOSTILE_SHAPES[shape]!(1_000_000)));
    expect(answer.status).toBe(422);
    expect(answer.body.error.code).toBe('invalid_bpmn');
    expect(answer.body.error.details.length).toBeGreaterThan(0);
    expect(longestHealthMs).toBeLessThan(1000);
    expect(await versions()).toEqual(before);
  });

  test('a 50,000-task workflow is refused with 422 naming WORKFLOW_MAX_ELEMENTS, nothing published', async () => {
    const before = await versions();
    const started = performance.now();
    const { answer, longestHealthMs } = await whileProbing(server.url, () => upload(manyTasks(50_000)));
    console.log(`50,000-task workflow refused over HTTP in ${(performance.now() - started).toFixed(0)} ms`);
    expect(answer.status).toBe(422);
    expect(answer.body.error.details[0].message).toMatch(/WORKFLOW_MAX_ELEMENTS/);
    expect(longestHealthMs).toBeLessThan(1000);
    expect(await versions()).toEqual(before);
  });

  test('a file over WORKFLOW_MAX_BYTES is 413 payload_too_large naming the limit and its maximum, nothing published', async () => {
    const before = await versions();
    const { answer, longestHealthMs } = await whileProbing(server.url, () => upload(`<x>${' '.repeat(6 * 1024 * 1024)}</x>`));
    expect(answer.status).toBe(413);
    expect(answer.body.error).toMatchObject({ code: 'payload_too_large', details: { limit: 'WORKFLOW_MAX_BYTES', maximum: 5 * 1024 * 1024 } });
    expect(longestHealthMs).toBeLessThan(1000);
    expect(await versions()).toEqual(before);
    // the service refuses the same for the CLI and the demo, before reading a byte of it
    await expect(server.app.workflows.import(Buffer.alloc(5 * 1024 * 1024 + 1, 0x20), 'cli')).rejects.toMatchObject({
      code: 'payload_too_large',
      details: { limit: 'WORKFLOW_MAX_BYTES', maximum: 5 * 1024 * 1024 },
    });
    expect(await versions()).toEqual(before);
  });

  test('a self-loop re-enters its step: every 200 is a stored change (revision + 1, one more step-log row)', async () => {
    expect((await upload(SELF_LOOP_BPMN)).status).toBe(201);
    const created = await server.call('POST', '/api/tickets', { json: { workflow: 'p', channel: 'chat', subject: 'call back', customer: { name: 'Li' } } });
    expect(created.status).toBe(201);
    const id = created.body.id as number;
    let revision = created.body.revision as number;
    let rows = (await server.call('GET', `/api/tickets/${id}`)).body.stepLog.length as number;
    for (let i = 0; i < 5; i++) {
      const moved = await server.call('POST', `/api/tickets/${id}/events`, { json: { type: 'retry', expectedRevision: revision } });
      expect(moved.status).toBe(200);
      expect(moved.body.revision).toBe(revision + 1);
      revision = moved.body.revision as number;
      const log = (await server.call('GET', `/api/tickets/${id}`)).body.stepLog as Array<{ step: string; event?: string }>;
      expect(log.length).toBe(rows + 1);
      rows = log.length;
    }
  });

  test('through the real ticket service on SQLite, every answered advance on random walks is a stored change', async () => {
    const random = seeded(13);
    /** Step-log rows of visits that ended: an advance closes the visit it leaves (and may open others). */
    const closed = (ticket: { stepLog: Array<{ exitedAt?: number | null }> }) => ticket.stepLog.filter((row) => row.exitedAt != null).length;
    let answered = 0;
    for (const key of ['customer-inquiry', 'p']) {
      const { workflow } = await server.app.workflows.latest(key);
      for (let walk = 0; walk < 4; walk++) {
        const created = await server.call('POST', '/api/tickets', {
          json: { workflow: key, channel: 'phone', subject: `walk ${walk}`, customer: { name: 'Walker' } },
        });
        let ticket = (await server.call('GET', `/api/tickets/${created.body.id}`)).body;
        for (let move = 0; move < 12 && ticket.allowedEvents.length; move++) {
          const type = ticket.allowedEvents[Math.floor(random() * ticket.allowedEvents.length)] as string;
          const step = (ticket.state as string[]).map((id) => workflow.steps[id]!).find((s) => s.actions.some((a) => a.event === type))!;
          const fields = Object.fromEntries(step.fields.map((f) => [f.name, sampleField(f, random)]));
          const moved = await server.call('POST', `/api/tickets/${ticket.id}/events`, { json: { type, fields, expectedRevision: ticket.revision } });
          const after = (await server.call('GET', `/api/tickets/${ticket.id}`)).body;
          if (moved.status === 200) {
            answered++;
            expect({ type, revision: after.revision, logged: closed(after) > closed(ticket) }).toEqual({
              type,
              revision: ticket.revision + 1,
              logged: true,
            });
          } else {
            expect(moved.status).toBeGreaterThanOrEqual(400);
            expect({ revision: after.revision, rows: after.stepLog.length }).toEqual({ revision: ticket.revision, rows: ticket.stepLog.length });
          }
          ticket = after;
        }
      }
    }
    expect(answered).toBeGreaterThan(20);
  });

  test('the queue lists at most QUEUE_FILTER_OPTIONS steps and owners; the rest are typed', async () => {
    const agent = await FormClient.signedIn(server.url, PEOPLE.agent);
    const page = await agent.get('/queue');
    expect(page.status).toBe(200);
    const list = (id: string) => /<datalist id="(.+?)">([\s\S]*?)<\/datalist>/g.exec(page.html.slice(page.html.indexOf(`<datalist id="${id}"`)))?.[2] ?? '';
    expect(page.html).toContain('<input id="q-state" name="state" list="q-state-list"');
    expect(list('q-state-list').match(/<option /g)).toHaveLength(1 + 3); // closed, then three steps
    expect(page.html).toContain('<input id="q-owner" name="owner" list="q-owner-list"');
    expect(list('q-owner-list').match(/<option /g)).toHaveLength(3);
    const typed = await agent.get('/queue?state=Task_FollowUp');
    expect(typed.status).toBe(200);
    expect(typed.html).toContain('value="Task_FollowUp"');
  });
});

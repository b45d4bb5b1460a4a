import { readFileSync } from 'node:fs';
import { ImportedWorkflowSchema, WorkflowDetailSchema, WorkflowListSchema, WorkflowVersionListSchema } from '../../../server/web/api/workflows.schemas.js';
import { eachDatabase } from '../../helpers/databases.js';
import { startTestServer, type TestServer } from '../../helpers/web-server.js';

const INQUIRY = readFileSync(new URL('../../../workflows/customer-inquiry.bpmn', import.meta.url), 'utf8');
/** The same SOP with a longer limit for answering: a changed file. */
const INQUIRY_CHANGED = INQUIRY.replace('sla="PT5M" vipSla="PT15S"', 'sla="PT6M" vipSla="PT15S"');
const UNEXECUTABLE = readFileSync(
  new URL('../../fixtures/corpus/bpmn-miwg-test-suite/bpmn.io (Camunda Modeler) 18.6.1/C.9.1-export.bpmn', import.meta.url),
  'utf8',
);
const TICKET = { workflow: 'customer-inquiry', channel: 'chat', subject: 'cannot log in', customer: { name: 'Wang Wei' } };

/** The answer parsed by its documented schema: a field the schema does not describe would be stripped. */
function documented<T>(schema: { parse(value: unknown): T }, body: unknown): T {
  expect(schema.parse(body)).toEqual(body);
  return body as T;
}

eachDatabase('HTTP API: workflows', (database) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(database(), { workflows: [] });
  });
  afterEach(() => server.close());

  const importBpmn = (body: string, token = server.tokens.manager, type = 'application/xml') => server.call('POST', '/api/workflows', { body, type, token });

  test('import publishes version 1; the identical file again publishes nothing; a changed file is version 2, and running tickets keep version 1', async () => {
    // given a first import
    const first = await importBpmn(INQUIRY);
    expect(first.status).toBe(201);
    documented(ImportedWorkflowSchema, first.body);
    expect(first.body).toMatchObject({ key: 'customer-inquiry', version: 1, created: true, publishedBy: 'chen.jie@managers.test' });
    expect(first.body.steps.map((s: { id: string }) => s.id)).toContain('Task_Grade');

    // when the same bytes come again, then nothing new is published
    const again = await importBpmn(INQUIRY, server.tokens.manager, 'text/xml');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ version: 1, created: false, checksum: first.body.checksum });

    // a ticket started on version 1
    const running = await server.call('POST', '/api/tickets', { json: TICKET });
    expect(running.body).toMatchObject({ version: 1, state: ['Task_Answer'] });

    // when a changed file is imported
    const changed = await importBpmn(INQUIRY_CHANGED);
    expect(changed.status).toBe(201);
    expect(changed.body).toMatchObject({ version: 2, created: true });

    // then the running ticket goes on on version 1, new tickets start on version 2
    const advanced = await server.call('POST', `/api/tickets/${running.body.id}/events`, { json: { type: 'answer', expectedRevision: 1 } });
    expect(advanced.body).toMatchObject({ version: 1, state: ['Task_Grade'] });
    const fresh = await server.call('POST', '/api/tickets', { json: TICKET });
    expect(fresh.body).toMatchObject({ version: 2, steps: [{ id: 'Task_Answer', slaMs: 6 * 60_000 }] });

    const versions = await server.call('GET', '/api/workflows/customer-inquiry/versions');
    documented(WorkflowVersionListSchema, versions.body);
    expect(versions.body.items.map((v: { version: number }) => v.version)).toEqual([2, 1]);
  });

  test('reads: the list, the latest version with its machine and steps, one version as BPMN with layout', async () => {
    await importBpmn(INQUIRY);
    await importBpmn(INQUIRY_CHANGED);

    const list = await server.call('GET', '/api/workflows');
    documented(WorkflowListSchema, list.body);
    expect(list.body.items).toEqual([expect.objectContaining({ key: 'customer-inquiry', latestVersion: 2, steps: 8 })]);

    const latest = await server.call('GET', '/api/workflows/customer-inquiry');
    expect(latest.status).toBe(200);
    documented(WorkflowDetailSchema, latest.body);
    expect(latest.body).toMatchObject({ key: 'customer-inquiry', version: 2, machine: { id: 'customer-inquiry', initial: expect.any(String) } });
    expect(latest.body.steps).toContainEqual(
      expect.objectContaining({ id: 'Task_Grade', slaMs: 600_000, actions: [expect.objectContaining({ event: 'grade' })] }),
    );
    expect(latest.body.timers).toContainEqual(expect.objectContaining({ id: 'Timer_L2FirstResponse', behaviour: 'reminder' }));

    const bpmn = await server.call('GET', '/api/workflows/customer-inquiry/versions/1/bpmn');
    expect(bpmn.status).toBe(200);
    expect(bpmn.headers.get('content-type')).toMatch(/^application\/xml/);
    expect(bpmn.body).toMatch(/<bpmn:definitions[\s\S]*id="customer-inquiry"[\s\S]*<bpmndi:BPMNDiagram/);
    expect(bpmn.body).toContain('sla="PT5M"');
  });

  test('an unknown workflow or version is 404; a ticket on an unknown workflow too', async () => {
    await importBpmn(INQUIRY);
    for (const path of ['/api/workflows/nope', '/api/workflows/nope/versions', '/api/workflows/customer-inquiry/versions/9/bpmn']) {
      const answer = await server.call('GET', path);
      expect([path, answer.status, answer.body.error.code]).toEqual([path, 404, 'not_found']);
    }
    const ticket = await server.call('POST', '/api/tickets', { json: { ...TICKET, workflow: 'nope' } });
    expect(ticket.status).toBe(404);
    expect(ticket.body.error.code).toBe('not_found');
  });

  test('BPMN that cannot run is 422 with every offending element, and nothing is imported', async () => {
    const answer = await importBpmn(UNEXECUTABLE);
    expect(answer.status).toBe(422);
    expect(answer.body.error).toMatchObject({
      code: 'invalid_bpmn',
      details: [
        { elementId: 'Event_0r6z74c', type: 'boundaryEvent', message: expect.any(String) },
        { elementId: 'Event_08bx9nv', type: 'boundaryEvent', message: expect.any(String) },
      ],
    });
    expect((await server.call('GET', '/api/workflows')).body.items).toEqual([]);
  });

  test('only managers and admins import: an agent gets 403 naming the role needed', async () => {
    const answer = await importBpmn(INQUIRY, server.tokens.agent);
    expect(answer.status).toBe(403);
    expect(answer.body.error).toMatchObject({ code: 'forbidden' });
    expect((await server.call('GET', '/api/workflows')).body.items).toEqual([]);
  });

  test('the body must be XML, within 5 MB', async () => {
    const asJson = await server.call('POST', '/api/workflows', { json: { xml: INQUIRY }, token: server.tokens.manager });
    expect(asJson.status).toBe(400);
    expect(asJson.body.error).toMatchObject({ code: 'bad_request' });

    const huge = await importBpmn(INQUIRY.padEnd(5 * 1024 * 1024 + 1, ' '));
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('payload_too_large');
  });
});

import { readFileSync } from 'node:fs';
import { ImportedWorkflowSchema } from '../../../server/web/api/workflows.schemas.js';
import { bpmn, flow, linear } from '../../helpers/bpmn.js';
import { eachDatabase } from '../../helpers/databases.js';
import { startTestServer, type TestServer } from '../../helpers/web-server.js';

const AGENT_CHOICE_BPMN = readFileSync(new URL('../../fixtures/bpmn/agent-choice.bpmn', import.meta.url), 'utf8');
const REFUND_BPMN = readFileSync(new URL('../../fixtures/bpmn/error-escalation.bpmn', import.meta.url), 'utf8');
const NS = 'xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"';
const process = (id: string) =>
  `<process id="${id}" isExecutable="true"><startEvent id="${id}_s"/><userTask id="${id}_u" name="Work"/><endEvent id="${id}_e"/>` +
  `<sequenceFlow id="${id}_f1" sourceRef="${id}_s" targetRef="${id}_u"/><sequenceFlow id="${id}_f2" sourceRef="${id}_u" targetRef="${id}_e"/></process>`;
const TWO_EXECUTABLE = `<?xml version="1.0"?><definitions ${NS} id="d" targetNamespace="t"><collaboration id="c"><participant id="pd" processRef="desk"/><participant id="pb" processRef="backoffice"/></collaboration>${process('desk')}${process('backoffice')}</definitions>`;
const WITH_VENDOR_NOISE = bpmn(linear('<bpmn:userTask id="u" name="Answer"><acme:colour value="red"/></bpmn:userTask>'), { id: 'noisy' }).replace(
  '<bpmn:definitions ',
  '<bpmn:definitions xmlns:acme="http://acme.example/modeler" ',
);
const JUEL = bpmn(
  `<bpmn:startEvent id="s"/><bpmn:userTask id="ask" name="Ask"><bpmn:extensionElements><sop:step><sop:field name="vip" type="boolean"/></sop:step></bpmn:extensionElements></bpmn:userTask>` +
    `<bpmn:exclusiveGateway id="x"/><bpmn:userTask id="fast" name="Fast lane"/><bpmn:endEvent id="e"/>${flow('s', 'ask')}${flow('ask', 'x')}` +
    `${flow('x', 'fast', { condition: '${vip}' })}${flow('x', 'e', { condition: '${!vip}' })}${flow('fast', 'e')}`,
  { id: 'juel' },
);

function documented<T>(schema: { parse(value: unknown): T }, body: unknown): T {
  expect(schema.parse(body)).toEqual(body);
  return body as T;
}

eachDatabase('HTTP API: BPMN as modelers write it (issue 17)', (database) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(database(), { workflows: [] });
  });
  afterEach(() => server.close());

  const importBpmn = (body: string, query = '') =>
    server.call('POST', `/api/workflows${query}`, { body, type: 'application/xml', token: server.tokens.manager });
  const ticket = (workflow: string) =>
    server.call('POST', '/api/tickets', { json: { workflow, channel: 'chat', subject: 'help', customer: { name: 'Wang Wei' } } });
  const act = (id: number, type: string, expectedRevision: number, fields?: Record<string, unknown>) =>
    server.call('POST', `/api/tickets/${id}/events`, { json: { type, expectedRevision, ...(fields ? { fields } : {}) } });

  test('modeler noise imports with warnings beside the version; a clean file has none', async () => {
    const noisy = await importBpmn(WITH_VENDOR_NOISE);
    expect(noisy.status).toBe(201);
    documented(ImportedWorkflowSchema, noisy.body);
    expect(noisy.body).toMatchObject({ key: 'noisy', version: 1, warnings: [{ code: 'unknown_element', severity: 'warning', line: expect.any(Number) }] });
    const clean = await importBpmn(AGENT_CHOICE_BPMN);
    expect(clean.body.warnings).toEqual([]);
  });

  test('two executable processes: 422 naming both; ?process= chooses one and the other is named in a warning', async () => {
    const refused = await importBpmn(TWO_EXECUTABLE);
    expect(refused.status).toBe(422);
    expect(refused.body.error.details.map((p: { elementId: string; code: string }) => [p.elementId, p.code])).toEqual([
      ['desk', 'ambiguous_process'],
      ['backoffice', 'ambiguous_process'],
    ]);
    expect((await server.call('GET', '/api/workflows')).body.items).toEqual([]);

    const chosen = await importBpmn(TWO_EXECUTABLE, '?process=backoffice');
    expect(chosen.status).toBe(201);
    documented(ImportedWorkflowSchema, chosen.body);
    expect(chosen.body).toMatchObject({ key: 'backoffice', warnings: [{ elementId: 'desk', code: 'process_left_out' }] });
    const unknown = await importBpmn(TWO_EXECUTABLE, '?process=nope');
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.details).toEqual([expect.objectContaining({ code: 'unknown_process' })]);
  });

  test("the agent's choice runs through the ticket API: one action per flow, the choice in the step log", async () => {
    expect((await importBpmn(AGENT_CHOICE_BPMN)).status).toBe(201);
    const created = await ticket('agent_choice');
    expect(created.status).toBe(201);
    const id = created.body.id as number;
    const asked = await act(id, 'complete', 1);
    expect(asked.body).toMatchObject({ state: ['resolved'], allowedEvents: ['yes', 'no_try_again', 'needs_l2'] });
    const again = await act(id, 'no_try_again', 2);
    expect(again.body).toMatchObject({ state: ['resolve'] });
    await act(id, 'complete', 3);
    const done = await act(id, 'yes', 4);
    expect(done.body).toMatchObject({ status: 'closed' });
    const read = await server.call('GET', `/api/tickets/${id}`);
    expect(JSON.stringify(read.body)).toContain('no_try_again');
  });

  test('error and escalation boundaries are actions through the ticket API: withdrawn at once, escalated out of the subprocess', async () => {
    expect((await importBpmn(REFUND_BPMN)).status).toBe(201);
    const withdrawn = await ticket('refund_request');
    expect(withdrawn.body.allowedEvents).toEqual(['complete', 'customer_withdrew']);
    expect((await act(withdrawn.body.id, 'customer_withdrew', 1)).body).toMatchObject({ status: 'closed' });

    const escalated = await ticket('refund_request');
    const id = escalated.body.id as number;
    expect((await act(id, 'complete', 1)).body).toMatchObject({ state: ['approve'], allowedEvents: ['complete', 'l2'] });
    expect((await act(id, 'l2', 2)).body).toMatchObject({ state: ['l2'] });
    const log = (await server.call('GET', `/api/tickets/${id}`)).body.stepLog as Array<{ step: string; event: string }>;
    expect(log.map((v) => [v.step, v.event])).toEqual([
      ['check', 'complete'],
      ['approve', 'l2'],
      ['l2', undefined], // the open visit
    ]);
  });

  test('a JUEL condition is translated at import (shown in a warning) and decides the path', async () => {
    const imported = await importBpmn(JUEL);
    expect(imported.status).toBe(201);
    expect(imported.body.warnings).toEqual([
      expect.objectContaining({ elementId: 'f_x_fast', code: 'condition_translated', message: expect.stringContaining('FEEL condition vip') }),
      expect.objectContaining({ elementId: 'f_x_e', code: 'condition_translated', message: expect.stringContaining('FEEL condition not(vip)') }),
    ]);
    const vip = await ticket('juel');
    expect((await act(vip.body.id, 'complete', 1, { vip: true })).body).toMatchObject({ state: ['fast'] });
    const plain = await ticket('juel');
    expect((await act(plain.body.id, 'complete', 1, { vip: false })).body).toMatchObject({ status: 'closed' });
  });
});

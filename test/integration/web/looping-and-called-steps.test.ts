import { readFileSync } from 'node:fs';
import { eachDatabase } from '../../helpers/databases.js';
import { FormClient, formFields } from './support/form-client.js';
import { PEOPLE, startTestServer, type TestServer } from '../../helpers/web-server.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/bpmn/${name}.bpmn`, import.meta.url), 'utf8');

eachDatabase('pages: instances of a multi-instance step, steps of a called workflow', (database) => {
  let server: TestServer;
  let agent: FormClient;
  beforeEach(async () => {
    server = await startTestServer(database(), { workflows: [] });
    agent = await FormClient.signedIn(server.url, PEOPLE.agent);
  });
  afterEach(() => server.close());

  test('one form per open instance, each posting its instance; the timeline names the item; the API takes the instance too', async () => {
    await server.app.workflows.import(fixture('multi-instance'), 'manager@sopflow.test');
    const fields = { lines: ['A-1', 'A-2', 'A-3'], contacts: ['Ann'] };
    const { id } = await server.app.tickets.create(
      { workflow: 'order_refund', channel: 'email', subject: 'lines', customer: { name: 'Wu' }, fields },
      'li.na@agents.test',
    );
    const page = await agent.get(`/tickets/${id}`);
    expect([...page.html.matchAll(/data-step="check_line" data-instance="(\d)"/g)].map((m) => m[1])).toEqual(['1', '2', '3']);
    expect(page.html).toContain('<input type="hidden" name="instance" value="2">');
    const hidden = formFields(page.html, `/tickets/${id}/actions`);
    const pressed = await agent.post(`/tickets/${id}/actions`, { ...hidden, instance: '2', event: 'complete', 'field.back': 'true' });
    expect(pressed.status).toBe(303);
    const after = await agent.get(`/tickets/${id}`);
    expect([...after.html.matchAll(/data-step="check_line" data-instance="(\d)"/g)].map((m) => m[1])).toEqual(['1', '3']);
    expect(after.html).toContain('Item 2 of 3: A-2');
    const api = await server.call('POST', `/api/tickets/${id}/events`, { json: { type: 'complete', fields: { back: true }, instance: 3 } });
    expect(api.status).toBe(200);
    expect((api.body as { steps: Array<{ instance: { index: number } }> }).steps.map((s) => s.instance.index)).toEqual([1]);
    const gone = await server.call('POST', `/api/tickets/${id}/events`, { json: { type: 'complete', fields: { back: true }, instance: 3 } });
    expect(gone).toMatchObject({ status: 422, body: { error: { code: 'event_not_allowed' } } });
  });

  test('a called step says which workflow it is part of', async () => {
    await server.app.workflows.import(fixture('identity-check'), 'manager@sopflow.test');
    await server.app.workflows.import(fixture('call-activity'), 'manager@sopflow.test');
    const { id } = await server.app.tickets.create(
      { workflow: 'refund_with_id', channel: 'chat', subject: 'id', customer: { name: 'Wu' } },
      'li.na@agents.test',
    );
    await server.app.tickets.advance(id, { type: 'complete' }, 'li.na@agents.test');
    const page = await agent.get(`/tickets/${id}`);
    expect(page.html).toContain('data-step="check_identity/ask_id"');
    expect(page.html).toContain('Part of “Identity check” (v1)');
  });
});

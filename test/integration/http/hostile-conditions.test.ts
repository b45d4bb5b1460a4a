import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { ManualClock } from '../../../server/shared/clock.js';
import { createApp } from '../../../server/web/app.js';
import { eachDatabase } from '../../helpers/databases.js';
import { gatewayWorkflow, RUNAWAY_CONDITION, RUNAWAY_NOTE, runawayVersion } from '../../helpers/hostile-conditions.js';
import { openTestSopflow, T0 } from '../../helpers/sopflow.js';
import { waitFor } from '../../helpers/wait-for.js';
import { cpuTimed } from '../../helpers/cpu-time.js';
import { PEOPLE, startTestServer, type TestServer } from '../../helpers/web-server.js';
import { FormClient } from '../web/support/form-client.js';

const HOUR = 3_600_000;
/** Low limits, so that hostile inputs stay small and the refusals come fast. */
const LIMITS = { conditionMaxIterations: 100, conditionTimeoutMs: 40 };

/** Sends `hostile` and, while the server works on it, asks /healthz: answers the hostile reply and how long health took. */
/**
 * Sends `hostile` and, meanwhile, asks /healthz. `healthMs` is the CPU time this process (the server's) spent
 * until /healthz answered: how long the hostile request could hold the event loop. CPU time, not the wall clock,
 * which a busy machine stretches many times over (helpers/cpu-time.ts).
 */
async function whileHostile<T>(url: string, hostile: () => Promise<T>): Promise<{ reply: T; healthMs: number }> {
  const pending = hostile();
  const { value: health, ms: healthMs } = await cpuTimed(() => fetch(`${url}/healthz`));
  expect(health.status).toBe(200);
  return { reply: await pending, healthMs };
}

const ticketOf = (server: TestServer, id: number) => server.call('GET', `/api/tickets/${id}`).then((answer) => answer.body);

eachDatabase('hostile gateway conditions', (database) => {
  let server: TestServer;
  afterEach(() => server?.close());

  const importAs = (xml: string) => server.call('POST', '/api/workflows', { body: xml, type: 'application/xml', token: server.tokens.manager });
  const open = (workflow: string, fields: Record<string, unknown> = {}) =>
    server.call('POST', '/api/tickets', { json: { workflow, channel: 'chat', subject: 'hostile', customer: { name: 'Mallory' }, fields } });

  test('conditions that can never be bounded are refused at import, naming the flow, and nothing is stored', async () => {
    server = await startTestServer(database(), { workflows: [], config: LIMITS });
    for (const condition of [
      'for i in 1..100000000 return i',
      'some i in 1..500 satisfies i = 3',
      'matches(note, "^(a+)+$")',
      'matches(note, "(a)\\\\1")',
      RUNAWAY_CONDITION,
    ]) {
      const { reply, healthMs } = await whileHostile(server.url, () => importAs(gatewayWorkflow('hostile', condition)));
      expect({ condition, status: reply.status, code: reply.body.error.code }).toEqual({ condition, status: 422, code: 'invalid_bpmn' });
      expect(reply.body.error.details).toEqual([expect.objectContaining({ elementId: 'F_runaway', type: 'sequenceFlow' })]);
      expect(healthMs).toBeLessThan(1_000);
    }
    expect((await server.call('GET', '/api/workflows')).body.items).toEqual([]);
  });

  test('an advance through a runaway condition is refused with the gateway and flow; the ticket is unchanged', async () => {
    await runawayVersion(database(), 'hostile', { config: LIMITS });
    server = await startTestServer(database(), { workflows: [], config: LIMITS });
    const { id } = (await open('hostile')).body;
    const before = await ticketOf(server, id);

    const { reply, healthMs } = await whileHostile(server.url, () =>
      server.call('POST', `/api/tickets/${id}/events`, { json: { type: 'complete', fields: { note: RUNAWAY_NOTE }, expectedRevision: before.revision } }),
    );
    expect(reply.status).toBe(422);
    expect(reply.body.error).toMatchObject({ code: 'condition_failed', details: { gatewayId: 'G', flowId: 'F_runaway', reason: 'timeout' } });
    expect(healthMs).toBeLessThan(1_000);

    const after = await ticketOf(server, id);
    expect({ revision: after.revision, state: after.state, stepLog: after.stepLog, fields: after.fields }).toEqual({
      revision: before.revision,
      state: ['Write'],
      stepLog: before.stepLog,
      fields: before.fields,
    });
    // an ordinary note takes the same ticket on
    const moved = await server.call('POST', `/api/tickets/${id}/events`, { json: { type: 'complete', fields: { note: 'aaa' } } });
    expect(moved.body.state).toEqual(['Special']);
  });

  test('a timer reaching a runaway condition becomes one incident, survives a restart, and a manager sees and retries it', async () => {
    const db = database();
    await runawayVersion(db, 'hostile-timer', { timed: true, config: LIMITS });
    server = await startTestServer(db, { workflows: [], config: LIMITS });
    const { id } = (await open('hostile-timer', { note: RUNAWAY_NOTE })).body;

    server.app.clock.set(T0 + 2 * HOUR);
    expect(await server.app.scheduler.runDue()).toMatchObject({ claimed: 1, fired: 0 });
    const listed = await server.call('GET', '/api/incidents', { token: server.tokens.manager });
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([
      expect.objectContaining({ ticketId: id, status: 'open', elementId: 'G', flowId: 'F_runaway', code: 'condition_failed', subject: 'hostile' }),
    ]);
    expect((await server.call('GET', '/api/incidents')).status).toBe(403);
    const held = await ticketOf(server, id);
    expect({ revision: held.revision, state: held.state, incidents: held.incidents.map((i: { id: number }) => i.id) }).toEqual({
      revision: 1,
      state: ['Write'],
      incidents: [listed.body.items[0].id],
    });
    // the timer is held: the scheduler does not claim it again, now or later
    server.app.clock.set(T0 + 3 * HOUR);
    expect(await server.app.scheduler.runDue()).toMatchObject({ claimed: 0 });

    // restart on the same database with the timer still due: the server comes up and makes no second incident
    await server.close();
    const app = await openTestSopflow(db, { clock: new ManualClock(T0 + 4 * HOUR), workflows: [], config: LIMITS });
    const web: Server = createApp(app, pino({ level: 'silent' })).listen(0, '127.0.0.1');
    await once(web, 'listening');
    const url = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
    try {
      app.scheduler.start();
      expect(await app.scheduler.runDue()).toMatchObject({ claimed: 0 });
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await app.incidents.list('all')).items).toHaveLength(1);

      // a manager sees it on the page, in either language, and retries it there
      const manager = await FormClient.signedIn(url, PEOPLE.manager);
      const page = await manager.get('/incidents');
      expect(page.status).toBe(200);
      expect(page.html).toContain(`/tickets/${id}`);
      expect(page.html).toContain('F_runaway');
      expect(page.html).toContain('condition_failed');
      const chinese = await FormClient.signedIn(url, PEOPLE.manager, 'zh-CN');
      expect((await chinese.get('/incidents')).html).toContain('异常事件');
      const agent = await FormClient.signedIn(url, PEOPLE.agent);
      expect((await agent.get('/incidents')).status).toBe(403);

      const retried = await manager.post(`/incidents/${listed.body.items[0].id}/retry`, {});
      expect(retried).toMatchObject({ status: 303, location: '/incidents' });
      // the running scheduler fires the retried timer, which fails again: its incident is resolved, a new one is open
      await waitFor(async () => (await app.incidents.list('all')).items.length === 2, { what: 'the retried timer to fail again' });
      const all = (await app.incidents.list('all')).items;
      expect(all.map((i) => ({ status: i.status, resolution: i.resolution, resolvedBy: i.resolvedBy }))).toEqual([
        { status: 'open', resolution: undefined, resolvedBy: undefined },
        { status: 'resolved', resolution: 'retried', resolvedBy: PEOPLE.manager.email },
      ]);

      // pages of one: the cursor leads from the newest to the older, and a cursor the server did not give is a 400
      const first = await app.incidents.list('all', { limit: 1 });
      expect(first.items.map((i) => i.id)).toEqual([all[0]!.id]);
      const second = await app.incidents.list('all', { limit: 1, cursor: first.next! });
      expect({ ids: second.items.map((i) => i.id), next: second.next }).toEqual({ ids: [all[1]!.id], next: undefined });
      await expect(app.incidents.list('all', { cursor: Buffer.from('x99').toString('base64url') })).rejects.toMatchObject({ code: 'validation_failed' });

      // dismissing the new one drops its timer: nothing fires, however long the scheduler runs, and the ticket stays
      expect((await manager.post(`/incidents/${all[0]!.id}/dismiss`, {})).status).toBe(303);
      app.clock.set(T0 + 8 * HOUR);
      expect(await app.scheduler.runDue()).toMatchObject({ claimed: 0 });
      await app.scheduler.stop();
      expect((await app.incidents.list('open')).items).toEqual([]);
      expect((await app.incidents.list('all')).items[0]).toMatchObject({ resolution: 'dismissed', resolvedBy: PEOPLE.manager.email });
      await expect(app.incidents.dismiss(all[0]!.id, PEOPLE.manager.email)).rejects.toMatchObject({ code: 'conflict' });
    } finally {
      web.closeAllConnections();
      await new Promise((resolve) => web.close(resolve));
      await app.close();
    }
  });
});

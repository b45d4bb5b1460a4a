import { eachDatabase } from '../../helpers/databases.js';
import { startTestServer, type TestServer } from '../../helpers/web-server.js';

const KEY = 'customer-inquiry';

/** The answer step's limit (5 minutes as shipped) set to `minutes`: a real change a manager makes in the editor. */
function answerLimit(bpmn: string, minutes: number): string {
  const changed = bpmn.replace(/(<sop:step [^>]*\bsla=")PT\d+M(" vipSla="PT15S")/, `$1PT${minutes}M$2`);
  expect(changed).not.toBe(bpmn);
  return changed;
}

eachDatabase('workflow drafts: editors opened before a publish or an import', (database) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(database(), { workflows: [KEY] });
  });
  afterEach(() => server.close());

  const manager = (method: string, path: string, json?: unknown) => server.asManager(method, path, json);
  const save = (bpmn: string, baseRevision: number) => manager('PUT', `/api/workflows/${KEY}/draft`, { bpmn, baseRevision });
  const slaOfAnswer = async () => (await server.app.workflows.latest(KEY)).workflow.steps.Task_Answer!.slaMs;

  test('a save from a copy opened before a publish is refused: the published change is never undone', async () => {
    // given two managers who opened the unsaved draft
    const opened = (await manager('GET', `/api/workflows/${KEY}/draft`)).body;
    // when the first saves and publishes a 7-minute limit
    expect((await save(answerLimit(opened.bpmn, 7), opened.revision)).status).toBe(200);
    const published = await manager('POST', `/api/workflows/${KEY}/draft/publish`, { revision: 1 });
    expect(published.body).toMatchObject({ version: 2, draftRevision: 2 });

    // then the second's save from its old copy is refused, naming no one (nothing is saved now)
    const stale = await save(answerLimit(opened.bpmn, 9), opened.revision);
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ code: 'conflict', details: { revision: 2, updatedBy: null } });
    expect(await slaOfAnswer()).toBe(7 * 60_000);

    // and a copy of a saved revision is refused too once that revision was published
    const reopened = (await manager('GET', `/api/workflows/${KEY}/draft`)).body;
    expect(reopened).toMatchObject({ revision: 2, basedOnVersion: 2, saved: false });
    expect((await save(answerLimit(reopened.bpmn, 8), 2)).body).toMatchObject({ revision: 3, basedOnVersion: 2 });
    expect((await save(answerLimit(opened.bpmn, 9), 1)).status).toBe(409);
    expect((await manager('GET', `/api/workflows/${KEY}/draft`)).body).toMatchObject({ revision: 3, saved: true });
  });

  test('a newer version imported meanwhile: an open copy cannot save, a saved draft cannot publish until discarded', async () => {
    // given an editor opened on version 1 and a draft saved from it
    const opened = (await manager('GET', `/api/workflows/${KEY}/draft`)).body;
    const v1 = opened.bpmn as string;
    // when version 2 arrives by import while nothing is saved, the open copy's save is refused
    const imported = await server.call('POST', '/api/workflows', { token: server.tokens.manager, body: answerLimit(v1, 6), type: 'application/xml' });
    expect(imported.body).toMatchObject({ version: 2, created: true });
    expect((await save(answerLimit(v1, 9), opened.revision)).status).toBe(409);

    // given a draft saved from version 2, and version 3 imported after it
    const second = (await manager('GET', `/api/workflows/${KEY}/draft`)).body;
    expect(second).toMatchObject({ revision: 1, basedOnVersion: 2, saved: false });
    const saved = (await save(answerLimit(v1, 9), second.revision)).body;
    expect(saved).toMatchObject({ revision: 2, basedOnVersion: 2, saved: true });
    await server.call('POST', '/api/workflows', { token: server.tokens.manager, body: answerLimit(v1, 4), type: 'application/xml' });

    // then the check says the draft is outdated, and publishing it (which would undo version 3) is refused
    const check = (await manager('POST', `/api/workflows/${KEY}/draft/check`)).body;
    expect(check.publishable).toBe(false);
    expect(check.problems).toEqual(expect.arrayContaining([expect.objectContaining({ elementId: KEY, code: 'draft_outdated' })]));
    const refused = await manager('POST', `/api/workflows/${KEY}/draft/publish`, { revision: 2 });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'conflict', details: { revision: 2, basedOnVersion: 2, latestVersion: 3 } });
    expect(await slaOfAnswer()).toBe(4 * 60_000);

    // when it is discarded (a stale revision is refused), the editor opens on version 3 and publishes from there
    expect((await manager('POST', `/api/workflows/${KEY}/draft/discard`, { revision: 1 })).status).toBe(409);
    const fresh = (await manager('POST', `/api/workflows/${KEY}/draft/discard`, { revision: 2 })).body;
    expect(fresh).toMatchObject({ revision: 3, basedOnVersion: 3, saved: false });
    expect((await server.app.audit.page()).items.find((e) => e.action === 'workflow.draft_discard')).toMatchObject({ before: { revision: 2 } });
    expect((await save(answerLimit(fresh.bpmn, 9), fresh.revision)).status).toBe(200);
    expect((await manager('POST', `/api/workflows/${KEY}/draft/publish`, { revision: 4 })).body).toMatchObject({ version: 4 });
    expect(await slaOfAnswer()).toBe(9 * 60_000);
  });

  test('the latest version written out again is identical: a publish or an import of it makes no version', async () => {
    // when the draft is saved exactly as it opened and published
    const opened = (await manager('GET', `/api/workflows/${KEY}/draft`)).body;
    expect((await save(opened.bpmn, 0)).status).toBe(200);
    const published = await manager('POST', `/api/workflows/${KEY}/draft/publish`, { revision: 1 });
    // then nothing is published
    expect(published.status).toBe(409);
    expect(published.body.error).toMatchObject({ code: 'conflict', details: { version: 1 } });

    // and the exported file imported again is the same version
    const exported = await server.call('GET', `/api/workflows/${KEY}/versions/1/bpmn`);
    const again = await server.call('POST', '/api/workflows', { token: server.tokens.manager, body: exported.body, type: 'application/xml' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ version: 1, created: false });
  });

  test('a draft whose collaboration puts a customer pool first keeps its process id', async () => {
    const opened = (await manager('GET', `/api/workflows/${KEY}/draft`)).body;
    const pooled = (opened.bpmn as string).replace(/(<bpmn:process id="customer-inquiry")/, '<bpmn:process id="customer-pool" isExecutable="false" />\n  $1');
    expect(pooled).not.toBe(opened.bpmn);
    const saved = await save(answerLimit(pooled, 7), opened.revision);
    expect(saved.status).toBe(200);
    const renamed = (opened.bpmn as string).replaceAll('"customer-inquiry"', '"renamed"');
    expect((await save(renamed, 1)).body.error).toMatchObject({ code: 'invalid_bpmn', details: [expect.objectContaining({ code: 'process_id_changed' })] });
  });

  test('a dry run of a draft calling a workflow nobody published is 422 naming the call, not 404', async () => {
    const opened = (await manager('GET', `/api/workflows/${KEY}/draft`)).body;
    const calling = (opened.bpmn as string)
      .replace(/<bpmn:userTask id="Task_Feedback"([^>]*)>/, '<bpmn:callActivity id="Task_Feedback"$1 calledElement="nope-missing">')
      .replace(/(<bpmn:callActivity id="Task_Feedback"[\s\S]*?)<\/bpmn:userTask>/, '$1</bpmn:callActivity>');
    expect(calling).toContain('calledElement="nope-missing"');
    expect((await save(calling, opened.revision)).status).toBe(200);
    const run = await manager('POST', `/api/workflows/${KEY}/draft/dry-run`, { path: 'answer' });
    expect(run.status).toBe(422);
    expect(run.body.error).toMatchObject({ code: 'invalid_bpmn', details: [expect.objectContaining({ elementId: 'Task_Feedback' })] });
  });

  test('the diff names a reconnected flow’s old and new target by id', async () => {
    const opened = (await manager('GET', `/api/workflows/${KEY}/draft`)).body;
    const bpmn = opened.bpmn as string;
    // the customer-left flow now ends at the closing end event; its own end event goes
    const rewired = bpmn
      .replace('sourceRef="Task_Answer" targetRef="End_CustomerLeft"', 'sourceRef="Task_Answer" targetRef="End_Closed"')
      .replace(/<bpmn:flowNodeRef>End_CustomerLeft<\/bpmn:flowNodeRef>/, '')
      .replace(/<bpmn:endEvent id="End_CustomerLeft"[\s\S]*?<\/bpmn:endEvent>/, '')
      .replace(/<bpmndi:BPMNShape id="End_CustomerLeft_di"[\s\S]*?<\/bpmndi:BPMNShape>/, '');
    expect(rewired).not.toBe(bpmn);
    expect((await save(rewired, opened.revision)).status).toBe(200);
    const check = (await manager('POST', `/api/workflows/${KEY}/draft/check`)).body;
    expect(check.problems).toEqual([]);
    const flow = check.diff.changed.find((element: { id: string }) => element.id === 'Flow_Answer_CustomerLeft');
    expect(flow.changes).toEqual(expect.arrayContaining([expect.objectContaining({ property: 'targetRef', before: 'End_CustomerLeft', after: 'End_Closed' })]));
  });
});

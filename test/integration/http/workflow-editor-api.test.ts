import { SIMULATION_MAX_LINES } from '../../../server/services/workflows/simulation.js';
import { SIMULATION_LINE_CODES } from '../../../server/services/workflows/simulation-lines.js';
import { readFileSync } from 'node:fs';
import { ConditionCheckSchema, DraftCheckSchema, DraftSchema, DryRunSchema, PublishedSchema } from '../../../server/web/api/workflow-drafts.schemas.js';
import { eachDatabase } from '../../helpers/databases.js';
import { PEOPLE, startTestServer, type TestServer } from '../../helpers/web-server.js';
import { bpmn, flow } from '../../helpers/bpmn.js';
import { FormClient } from '../web/support/form-client.js';
import { createI18n } from '../../../server/shared/i18n.js';
import { BPMN_PROBLEM_CODES, type BpmnProblem } from '../../../server/shared/errors.js';
import { bpmnProblemText } from '../../../server/web/pages/view-models/bpmn-problems.js';

const KEY = 'customer-inquiry';
const TICKET = { workflow: KEY, channel: 'chat', subject: 'cannot log in', customer: { name: 'Wang Wei' } };
const { formatter } = createI18n(new URL('../../../views/locales/', import.meta.url));
const UNEXECUTABLE = readFileSync(new URL('../../fixtures/corpus/bpmn-miwg-test-suite/bpmn.io (Camunda Modeler) 18.6.1/C.9.1-export.bpmn', import.meta.url));

/** The answer parsed by its documented schema: a field the schema does not describe would be stripped. */
function documented<T>(schema: { parse(value: unknown): T }, body: unknown): T {
  expect(schema.parse(body)).toEqual(body);
  return body as T;
}

/** The grading step with a longer limit and another owner, as the editor's panel would write it. */
function changedGrading(bpmn: string): string {
  const changed = bpmn.replace(/(<sop:step owner=")客服专员 Agent(" sla=")PT10M(")/, '$1分级专员 Grader$2PT20M$3');
  expect(changed).not.toBe(bpmn);
  return changed;
}

eachDatabase('workflow drafts, check and publish over HTTP', (database) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(database(), { workflows: [KEY] });
  });
  afterEach(() => server.close());

  const manager = (method: string, path: string, json?: unknown) => server.asManager(method, path, json);

  test('a draft saved twice from two stale copies: the second is refused with 409 and the first is kept', async () => {
    // given two managers who opened the same (unsaved) draft
    const opened = await manager('GET', `/api/workflows/${KEY}/draft`);
    expect(opened.status).toBe(200);
    documented(DraftSchema, opened.body);
    expect(opened.body).toMatchObject({ key: KEY, revision: 0, basedOnVersion: 1, saved: false });

    // when the first saves, then the draft is revision 1
    const first = await manager('PUT', `/api/workflows/${KEY}/draft`, { bpmn: changedGrading(opened.body.bpmn), baseRevision: 0 });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ revision: 1, saved: true, updatedBy: PEOPLE.manager.email });

    // when the second saves from the same stale copy, then it is refused and nothing is overwritten
    const second = await manager('PUT', `/api/workflows/${KEY}/draft`, { bpmn: opened.body.bpmn, baseRevision: 0 });
    expect(second.status).toBe(409);
    expect(second.body.error).toMatchObject({ code: 'conflict', details: { revision: 1, updatedBy: PEOPLE.manager.email } });
    const stored = await manager('GET', `/api/workflows/${KEY}/draft`);
    expect(stored.body.revision).toBe(1);
    expect(stored.body.bpmn).toContain('分级专员 Grader');

    // and the save is in the audit log with who and the diff
    const audit = await server.app.audit.page();
    const saved = audit.items.find((entry) => entry.action === 'workflow.draft_save');
    expect(saved).toMatchObject({
      actor: PEOPLE.manager.email,
      target: `workflow ${KEY} draft`,
      after: { revision: 1, diff: '0 added, 0 removed, 1 changed' },
    });
  });

  test('check lists the diff; publish makes version 2; the old ticket finishes on version 1 while a new one runs on version 2', async () => {
    const running = await server.call('POST', '/api/tickets', { json: TICKET });
    expect(running.body).toMatchObject({ version: 1 });
    const opened = await manager('GET', `/api/workflows/${KEY}/draft`);
    await manager('PUT', `/api/workflows/${KEY}/draft`, { bpmn: changedGrading(opened.body.bpmn), baseRevision: 0 });

    // when the draft is checked, then it is publishable and the step's limit and owner changes are listed
    const check = await manager('POST', `/api/workflows/${KEY}/draft/check`);
    expect(check.status).toBe(200);
    documented(DraftCheckSchema, check.body);
    expect(check.body).toMatchObject({ publishable: true, problems: [], latestVersion: 1 });
    const grading = check.body.diff.changed.find((c: { id: string }) => c.id === 'Task_Grade');
    expect(grading.changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ property: 'owner', before: '客服专员 Agent', after: '分级专员 Grader' }),
        // the English text, and the values as data for pages to word: a duration in ms
        {
          property: 'slaMs',
          before: '10 min',
          after: '20 min',
          values: { before: { kind: 'duration', ms: 10 * 60_000 }, after: { kind: 'duration', ms: 20 * 60_000 } },
        },
      ]),
    );

    // when it is published
    const published = await manager('POST', `/api/workflows/${KEY}/draft/publish`, { revision: 1 });
    expect(published.status).toBe(201);
    documented(PublishedSchema, published.body);
    expect(published.body).toMatchObject({ key: KEY, version: 2, diff: { summary: '0 added, 0 removed, 1 changed' } });

    // then the draft is gone, version 2 is the latest, the old ticket goes on on version 1 with the old limit
    expect((await manager('GET', `/api/workflows/${KEY}/draft`)).body).toMatchObject({ revision: 2, basedOnVersion: 2, saved: false });
    const answered = await server.call('POST', `/api/tickets/${running.body.id}/events`, { json: { type: 'answer' } });
    expect(answered.body).toMatchObject({ version: 1, state: ['Task_Grade'] });
    const oldTicket = await server.call('GET', `/api/tickets/${running.body.id}`);
    expect(oldTicket.body.stepLog.at(-1)).toMatchObject({ step: 'Task_Grade', slaMs: 10 * 60_000 });
    const fresh = await server.call('POST', '/api/tickets', { json: TICKET });
    expect(fresh.body.version).toBe(2);
    const freshAnswered = await server.call('POST', `/api/tickets/${fresh.body.id}/events`, { json: { type: 'answer' } });
    expect(freshAnswered.body).toMatchObject({ version: 2, state: ['Task_Grade'] });
    expect((await server.call('GET', `/api/tickets/${fresh.body.id}`)).body.stepLog.at(-1)).toMatchObject({ step: 'Task_Grade', slaMs: 20 * 60_000 });

    // and the publish is audited with the diff; publishing the same revision again is refused
    const audit = await server.app.audit.page();
    expect(audit.items.find((entry) => entry.action === 'workflow.publish')).toMatchObject({
      actor: PEOPLE.manager.email,
      target: `workflow ${KEY} v2`,
      before: { version: 1 },
      after: { version: 2, changed: [expect.stringContaining('Task_Grade: owner 客服专员 Agent → 分级专员 Grader')] },
    });
    expect((await manager('POST', `/api/workflows/${KEY}/draft/publish`, { revision: 1 })).status).toBe(404);
  });

  test('the whole process’s terms (limits, channels) are diffed; a channel tickets cannot come in on refuses the draft', async () => {
    const opened = await manager('GET', `/api/workflows/${KEY}/draft`);
    const terms = /<sop:process [^>]*\/>/.exec(opened.body.bpmn)![0];

    // a shorter resolution limit, limits by level and fewer channels, as the editor's process panel writes them
    const narrowed = opened.body.bpmn.replace(terms, '<sop:process sla="P2D" vipSla="P1D" levelSla="L1=PT4H,L3=P1D" channels="phone,chat" />');
    expect((await manager('PUT', `/api/workflows/${KEY}/draft`, { bpmn: narrowed, baseRevision: 0 })).status).toBe(200);
    const check = await manager('POST', `/api/workflows/${KEY}/draft/check`);
    expect(check.body.publishable).toBe(true);
    const process = check.body.diff.changed.find((c: { type: string }) => c.type === 'process');
    expect(process.changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ property: 'slaMs', before: '72 h', after: '48 h' }),
        {
          property: 'levelSlaMs',
          before: '—',
          after: 'L1 4 h; L3 24 h',
          values: { before: { kind: 'none' }, after: { kind: 'levels', ms: { L1: 4 * 3_600_000, L3: 24 * 3_600_000 } } },
        },
        expect.objectContaining({
          property: 'channels',
          before: 'phone; chat; email; social; app; store; self-service',
          after: 'phone; chat',
          values: expect.objectContaining({ after: { kind: 'list', items: ['phone', 'chat'] } }),
        }),
      ]),
    );
    documented(DraftCheckSchema, check.body);

    // a channel nobody can open a ticket on: refused with its code on the process, nothing published
    const unknown = opened.body.bpmn.replace(terms, '<sop:process sla="P3D" channels="phone,fax" />');
    expect((await manager('PUT', `/api/workflows/${KEY}/draft`, { bpmn: unknown, baseRevision: 1 })).status).toBe(200);
    const refused = await manager('POST', `/api/workflows/${KEY}/draft/publish`, { revision: 2 });
    expect(refused.status).toBe(422);
    expect(refused.body.error.details).toEqual([expect.objectContaining({ code: 'unknown_channel', elementId: KEY })]);
    expect((await server.call('GET', `/api/workflows/${KEY}/versions`)).body.items).toHaveLength(1);
  });

  test('lint problems are reported by element id; a lint error refuses the publish and nothing is published', async () => {
    const opened = await manager('GET', `/api/workflows/${KEY}/draft`);
    // a task with no flows at all, and an unnamed one: bpmnlint's no-disconnected (error) and label-required (warning)
    const stray = '<bpmn:userTask id="Task_Stray" />';
    const bpmn = opened.body.bpmn.replace(/(<bpmn:process [^>]*>)/, `$1${stray}`);
    expect((await manager('PUT', `/api/workflows/${KEY}/draft`, { bpmn, baseRevision: 0 })).status).toBe(200);

    const check = await manager('POST', `/api/workflows/${KEY}/draft/check`);
    expect(check.body.publishable).toBe(false);
    expect(check.body.lint).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ elementId: 'Task_Stray', rule: 'no-disconnected', severity: 'error' }),
        expect.objectContaining({ elementId: 'Task_Stray', rule: 'label-required', severity: 'warning' }),
      ]),
    );
    expect(check.body.problems).toEqual(expect.arrayContaining([expect.objectContaining({ elementId: 'Task_Stray', type: 'lint:no-disconnected' })]));

    expect(check.body.problems).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'lint_error', values: { rule: 'no-disconnected' } })]));

    // the Chinese editor hands its script each code's and each rule's wording in Chinese, to show beside the element ids
    const chinese = await FormClient.signedIn(server.url, PEOPLE.manager, 'zh-CN');
    const editor = (await chinese.get(`/workflows/${KEY}/edit`)).html;
    const attribute = /data-texts="([^"]*)"/
      .exec(editor)![1]!
      .replace(/&quot;/g, '"')
      .replace(/&#x27;/g, "'")
      .replace(/&amp;/g, '&');
    const texts = JSON.parse(attribute) as {
      problems: Record<string, string>;
      lint: Record<string, { name: string; explanation: string }>;
      dryRun: { lines: Record<string, string> };
    };
    const zh = formatter('zh-CN');
    expect(texts.lint['no-disconnected']).toEqual({ name: zh.t('lintRules.no-disconnected.name'), explanation: zh.t('lintRules.no-disconnected.explanation') });
    expect(texts.lint['label-required']!.name).toBe(zh.t('lintRules.label-required.name'));
    expect(Object.keys(texts.problems).sort()).toEqual([...BPMN_PROBLEM_CODES].sort());
    expect(texts.problems.unknown_calendar).toBe(zh.t('bpmnProblems.unknown_calendar'));
    expect(zh.t('bpmnProblems.lint_error', { rule: 'no-disconnected' })).toContain(zh.t('lintRules.no-disconnected.name'));
    // and each dry-run line's sentence by its code, in Chinese
    expect(texts.dryRun.lines).toEqual(Object.fromEntries(SIMULATION_LINE_CODES.map((code) => [code, zh.t(`editor.dryRun.lines.${code}`)])));

    const refused = await manager('POST', `/api/workflows/${KEY}/draft/publish`, { revision: 1 });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('invalid_bpmn');
    expect(refused.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ elementId: 'Task_Stray' })]));
    expect((await server.call('GET', `/api/workflows/${KEY}/versions`)).body.items).toHaveLength(1);
  });

  test('a file that leaves out the nodes’ incoming and outgoing lists, with a reminder that has no way out, lints clean', async () => {
    const opened = await manager('GET', `/api/workflows/${KEY}/draft`);
    // as hand-written files and many modelers write it: the flows alone say what is connected
    const bare = (opened.body.bpmn as string).replace(/<bpmn:(incoming|outgoing)>[^<]*<\/bpmn:\1>/g, '');
    const reminder = `<bpmn:boundaryEvent id="Timer_Remind" cancelActivity="false" attachedToRef="Task_Grade"><bpmn:extensionElements><sop:reminder to="客服主管 Supervisor" message="grade it" /></bpmn:extensionElements><bpmn:timerEventDefinition><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">PT5M</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>`;
    const bpmn = bare.replace(/(<bpmn:process [^>]*>)/, `$1${reminder}`);
    expect(bpmn).not.toContain('<bpmn:outgoing>');
    expect((await manager('PUT', `/api/workflows/${KEY}/draft`, { bpmn, baseRevision: 0 })).status).toBe(200);
    const check = await manager('POST', `/api/workflows/${KEY}/draft/check`);
    expect(check.body.lint.filter((l: { rule: string }) => l.rule === 'no-disconnected')).toEqual([]);
    expect(check.body).toMatchObject({ publishable: true, problems: [] });
  });

  test('a dry run walks a path through the saved draft on a virtual clock: steps, limits, reminders; nothing is written', async () => {
    const opened = await manager('GET', `/api/workflows/${KEY}/draft`);
    await manager('PUT', `/api/workflows/${KEY}/draft`, { bpmn: changedGrading(opened.body.bpmn), baseRevision: 0 });
    const run = await manager('POST', `/api/workflows/${KEY}/draft/dry-run`, { path: 'answer,grade?level=L2,+PT3H,resolve' });
    expect(run.status).toBe(200);
    documented(DryRunSchema, run.body);
    const text = run.body.lines.join('\n');
    // beside the English lines, the same walk as data: a code per line and what it names, for pages to word
    expect(run.body.entries).toHaveLength(run.body.lines.length);
    expect(run.body.entries).toContainEqual(expect.objectContaining({ code: 'entered', step: 'Task_Grade', slaMs: 20 * 60_000, owner: '分级专员 Grader' }));
    expect(run.body.entries).toContainEqual(expect.objectContaining({ code: 'reminded', kind: 'reminder', to: '技术支持主管 Technical-support lead' }));
    // the draft's new limit and owner for grading, L2 technical support, its 2 h first-response reminder
    expect(text).toMatch(/entered {2}Task_Grade "问题分级 Grading" limit 20 min owner 分级专员 Grader/);
    expect(text).toMatch(/entered {2}Task_L2TechSupport .* limit 24 h/);
    expect(text).toMatch(/reminder .*to 技术支持主管 Technical-support lead/);
    expect(text).toContain('waiting in Task_Feedback');
    // a refused event ends the walk with the reason; a malformed pause is a 400 naming the path
    const refused = await manager('POST', `/api/workflows/${KEY}/draft/dry-run`, { path: 'resolve' });
    expect(refused.body.lines.at(-1)).toMatch(/^refused: /);
    // a field refused names itself and why, as the ticket API would
    const badLevel = await manager('POST', `/api/workflows/${KEY}/draft/dry-run`, { path: 'answer,grade?level=L9' });
    expect(badLevel.body.lines.at(-1)).toMatch(/^refused: .*\(level: .*L1, L2, L3\)$/);
    expect(badLevel.body.entries.at(-1)).toMatchObject({
      code: 'refused',
      error: 'validation_failed',
      event: 'grade',
      problems: [{ field: 'level', code: 'fieldNotOption' }],
    });
    expect((await manager('POST', `/api/workflows/${KEY}/draft/dry-run`, { path: '+nonsense' })).body.error).toMatchObject({
      code: 'validation_failed',
      details: [{ field: 'path', code: 'dryRunPath' }],
    });
    // a century's pause over a reminder every few hours stops at SIMULATION_MAX_LINES, saying so: the server serves on
    const century = await manager('POST', `/api/workflows/${KEY}/draft/dry-run`, { path: 'answer,grade?level=L2,+P100Y' });
    expect(century.status).toBe(200);
    expect(century.body.lines).toHaveLength(SIMULATION_MAX_LINES + 1);
    expect(century.body.lines.at(-1)).toMatch(/^refused: /);
    expect(century.body.entries.at(-1)).toMatchObject({ code: 'refused', error: 'payload_too_large', maximum: SIMULATION_MAX_LINES });
    expect((await server.call('GET', '/api/tickets')).body.items).toHaveLength(0);
  });

  test('the condition check answers as the importer does: its syntax, then its cost', async () => {
    expect((await manager('POST', '/api/workflows/conditions/check', { expression: 'level = "L2"' })).body).toEqual({ ok: true });
    const broken = await manager('POST', '/api/workflows/conditions/check', { expression: 'level = ("L2"' });
    // the English, and the code an import would report with the character it is at, for the editor to word
    expect(documented(ConditionCheckSchema, broken.body)).toEqual({ ok: false, error: expect.any(String), code: 'invalid_condition', values: { at: 14 } });
    // what an import refuses, the editor says as it is typed
    for (const expression of ['matches(note, "(a+)+$")', 'matches(note, "(a|aa)+$")', 'for i in 1..100000000 return i']) {
      const costly = (await manager('POST', '/api/workflows/conditions/check', { expression })).body;
      expect([expression, costly.ok, costly.code]).toEqual([expression, false, 'condition_too_costly']);
    }
    // a JUEL condition is checked as what it imports as (FEEL), and refused only for what the import refuses
    expect((await manager('POST', '/api/workflows/conditions/check', { expression: '${level == "L2"}' })).body).toEqual({ ok: true });
    expect((await manager('POST', '/api/workflows/conditions/check', { expression: '${order.items[0]}' })).body).toMatchObject({
      ok: false,
      code: 'untranslatable_condition',
    });
  });

  test('an agent may neither open the editor nor save, check or publish (page and API: 403)', async () => {
    for (const [method, path, json] of [
      ['GET', `/api/workflows/${KEY}/draft`, undefined],
      ['PUT', `/api/workflows/${KEY}/draft`, { bpmn: '<x/>', baseRevision: 0 }],
      ['POST', `/api/workflows/${KEY}/draft/check`, undefined],
      ['POST', `/api/workflows/${KEY}/draft/publish`, { revision: 1 }],
      ['POST', '/api/workflows/conditions/check', { expression: 'a' }],
    ] as const) {
      const answer = await server.call(method, path, json !== undefined ? { json } : {});
      expect([path, answer.status, answer.body.error.code]).toEqual([path, 403, 'forbidden']);
    }
    const agent = await FormClient.signedIn(server.url, PEOPLE.agent);
    for (const path of [`/workflows/${KEY}/edit`, `/workflows/${KEY}`, '/workflows']) expect([path, (await agent.get(path)).status]).toEqual([path, 403]);
    expect((await agent.api('PUT', `/api/workflows/${KEY}/draft`, { bpmn: '<x/>', baseRevision: 0 })).status).toBe(403);
  });

  test('the library lists versions with their tickets; an invalid upload from the page lists element ids and imports nothing', async () => {
    const ticket = await server.call('POST', '/api/tickets', { json: TICKET });
    expect(ticket.status).toBe(201);
    const client = await FormClient.signedIn(server.url, PEOPLE.manager);
    const library = await client.get('/workflows');
    expect(library.status).toBe(200);
    expect(library.html).toMatch(/<tr data-version="1">[\s\S]*?data-testid="open">1<\/td><td class="num" data-testid="closed">0<\/td>/);

    const refused = await client.postFile('/workflows/upload', 'file', UNEXECUTABLE, 'C.9.1-export.bpmn');
    expect(refused.status).toBe(422);
    expect(refused.html).toContain('data-testid="upload-problems"');
    const ids = [...refused.html.matchAll(/<td><code>([^<]+)<\/code><\/td>/g)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.every((id) => id && id !== 'undefined')).toBe(true);
    expect((await server.call('GET', '/api/workflows')).body.items.map((w: { key: string }) => w.key)).toEqual([KEY]);

    // a valid file from another modeler is published and shown with its step table
    const detail = await client.get(`/workflows/${KEY}?version=1`);
    expect(detail.html).toContain('data-testid="steps"');
    expect(detail.html).toContain('Task_Grade');
    expect(detail.html).toContain('data-bpmn-url="/api/workflows/customer-inquiry/versions/1/bpmn"');
  });

  test('a refused upload on a Chinese page words each problem by its code in Chinese, the English only on hover', async () => {
    const inquiry = readFileSync(new URL(`../../../workflows/${KEY}.bpmn`, import.meta.url), 'utf8');
    // a calendar this installation does not define: a problem whose sentence names it (values carried up)
    const mars = inquiry.replace('<sop:process sla="P3D"', '<sop:process calendar="火星日历" sla="P3D"');
    expect(mars).not.toBe(inquiry);
    // a loop with no step that waits: a problem whose sentence names the loop
    const spinning = bpmn(
      `<bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="x" default="back"/><bpmn:serviceTask id="svc"/><bpmn:endEvent id="e"/>${flow('s', 'x')}${flow('x', 'e', { condition: 'done = true' })}${flow('x', 'svc', { id: 'back' })}${flow('svc', 'x')}`,
    );
    const zh = formatter('zh-CN');
    const client = await FormClient.signedIn(server.url, PEOPLE.manager, 'zh-CN');
    await client.get('/workflows');
    for (const [file, name] of [
      [UNEXECUTABLE, 'C.9.1-export.bpmn'],
      [Buffer.from(mars), 'mars.bpmn'],
      [Buffer.from(spinning), 'spinning.bpmn'],
    ] as const) {
      const answered = await server.call('POST', '/api/workflows', { token: server.tokens.manager, body: file.toString('utf8'), type: 'application/xml' });
      expect(answered.status).toBe(422);
      const problems = answered.body.error.details as BpmnProblem[];
      // the API's contract is unchanged: English message and code per problem
      expect(problems.every((p) => typeof p.message === 'string' && typeof p.code === 'string')).toBe(true);

      const page = await client.postFile('/workflows/upload', 'file', file, name);
      expect(page.status).toBe(422);
      expect(page.html).toContain(zh.t('workflows.upload.problemCount', { count: problems.length }));
      const rows = [...page.html.matchAll(/<tr><td><code>([^<]*)<\/code><\/td><td>[^<]*<\/td><td data-code="([a-z_]+)" title="[^"]*">([^<]*)<\/td><\/tr>/g)];
      expect(rows.map((r) => r[2])).toEqual(problems.map((p) => p.code));
      problems.forEach((problem, i) => {
        const shown = rows[i]![3]!.replace(/&#x27;/g, "'")
          .replace(/&quot;/g, '"')
          .replace(/&amp;/g, '&');
        expect({ code: problem.code, shown }).toEqual({ code: problem.code, shown: bpmnProblemText(zh, problem) });
        expect(shown).not.toContain(problem.message);
        expect(shown).not.toBe(formatter('en').t(`bpmnProblems.${problem.code}`, { id: problem.elementId, ...problem.values }));
      });
    }
    const calendar = (await server.call('POST', '/api/workflows', { token: server.tokens.manager, body: mars, type: 'application/xml' })).body.error.details;
    expect(calendar).toEqual([expect.objectContaining({ code: 'unknown_calendar', values: expect.objectContaining({ calendar: '火星日历' }) })]);
    expect(bpmnProblemText(zh, calendar[0])).toContain('日历“火星日历”未定义');
    const loop = (await server.call('POST', '/api/workflows', { token: server.tokens.manager, body: spinning, type: 'application/xml' })).body.error.details;
    expect(loop).toContainEqual(expect.objectContaining({ code: 'instant_loop', values: { loop: expect.stringContaining('svc') } }));
  });
});

import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { createI18n, LOCALES_DIR } from '../../server/shared/i18n.js';
import { describeInBrowser, SCREENSHOTS } from '../helpers/browser.js';
import { sqliteDatabase, type TestDatabase } from '../helpers/databases.js';
import { PEOPLE, startTestServer, type TestServer } from '../helpers/web-server.js';

const SLOW = 120_000;
const KEY = 'customer-inquiry';

describeInBrowser('workflow library and editor end to end', (browser) => {
  let database: TestDatabase;
  let server: TestServer;

  beforeAll(async () => {
    database = sqliteDatabase();
    server = await startTestServer(database, { workflows: [KEY] });
  }, SLOW);
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  /** A signed-in page that records every request leaving for another host, and every error the page reports (CSP among them). */
  async function signedIn(person: { email: string; password: string }, locale = 'en-US') {
    const context = await browser().newContext({ locale, viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    const outside: string[] = [];
    const errors: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(server.url) && !request.url().startsWith('data:') && !request.url().startsWith('blob:')) outside.push(request.url());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('response', (response) => {
      if (response.status() >= 400 && response.request().resourceType() !== 'document') errors.push(`${response.status()} ${response.url()}`);
    });
    // Console errors: CSP refusals and script failures. A failed load is seen by its response above (the browser's
    // own favicon request, which pages never ask for, has none).
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text());
    });
    await page.goto(server.url + '/');
    await page.fill('#email', person.email);
    await page.fill('#password', person.password);
    await Promise.all([page.waitForURL(/\/(queue|workflows|admin)/), page.click('form.stacked button[type=submit]')]);
    return { page, outside, errors, close: () => context.close() };
  }

  async function setField(page: Page, selector: string, value: string): Promise<void> {
    await page.fill(selector, value);
    await page.dispatchEvent(selector, 'change');
  }

  test(
    'a manager opens the inquiry SOP in the editor, changes a step’s limit and owner in the panel, saves, publishes and sees version 2 with the diff',
    async () => {
      const running = await server.app.tickets.create(
        { workflow: KEY, channel: 'chat', subject: 'old ticket', customer: { name: 'Wang Wei' } },
        PEOPLE.agent.email,
      );
      const { page, outside, errors, close } = await signedIn(PEOPLE.manager);

      // the library and a version's diagram, drawn by the viewer served from the project
      await page.goto(`${server.url}/workflows/${KEY}`);
      await page.waitForSelector('.diagram[data-ready=true]');
      expect(await page.locator('.diagram [data-element-id=Task_Grade]').count()).toBe(1);
      expect((await page.locator('tr[data-step=Task_Grade] [data-testid=limit]').textContent())?.trim()).toBe('10 min');

      // the editor: select the grading step, change its limit and owner in the side panel
      await page.goto(`${server.url}/workflows/${KEY}/edit`);
      await page.waitForSelector('[data-editor][data-ready=true]');
      await page.click('.canvas [data-element-id=Task_Grade]');
      await page.waitForSelector('#p-sla:visible');
      expect(await page.inputValue('#p-sla')).toBe('PT10M');
      expect(await page.inputValue('#p-owner')).toBe('客服专员 Agent');
      await setField(page, '#p-sla', 'PT20M');
      await setField(page, '#p-owner', '分级专员 Grader');
      await page.screenshot({ path: fileURLToPath(new URL('workflow-editor.png', SCREENSHOTS)) });

      // a gateway condition is checked as it is typed
      await page.click('.canvas [data-element-id=Flow_Level_L2_label]');
      await page.waitForSelector('#p-condition:visible');
      await page.fill('#p-condition', 'level = ("L2"');
      await page.waitForSelector('[data-feel].feel-error');
      await page.fill('#p-condition', 'level = "L2"');
      await page.waitForSelector('[data-feel].feel-ok');

      // nothing selected: the panel edits the whole process — its resolution limit and channels
      const canvas = (await page.locator('.canvas').boundingBox())!;
      await page.mouse.click(canvas.x + canvas.width - 10, canvas.y + canvas.height - 10);
      await page.waitForSelector('[data-testid=process-panel]:visible');
      expect(await page.inputValue('#p-process-sla')).toBe('P3D');
      await setField(page, '#p-process-sla', 'P2D');
      await setField(page, '#p-process-channels', 'phone，chat email');

      await page.click('button[data-action=save]');
      await page.waitForFunction(() => /revision 1/.test(document.querySelector('[data-testid=editor-status]')?.textContent ?? ''));
      await page.click('button[data-action=publish]');
      await page.waitForSelector('[data-testid=published-link]');
      const diff = (await page.locator('[data-testid=diff]').textContent()) ?? '';
      expect(diff).toContain('Task_Grade');
      // each change by the catalog's property name, durations as the Formatter words them, channels by their names
      const en = createI18n(LOCALES_DIR).formatter('en');
      const changed = (property: string, before: string, after: string) =>
        en.t('editor.diff.change', { property: en.t(`editor.diff.properties.${property}`), before, after });
      const channels = (...names: string[]) => names.map((name) => en.t(`channels.${name}`)).join('; ');
      expect(diff).toContain(changed('owner', '客服专员 Agent', '分级专员 Grader'));
      expect(diff).toContain(changed('slaMs', en.duration(10 * 60_000), en.duration(20 * 60_000)));
      expect(diff).toContain(changed('slaMs', en.duration(72 * 3_600_000), en.duration(48 * 3_600_000)));
      expect(diff).toContain(
        changed('channels', channels('phone', 'chat', 'email', 'social', 'app', 'store', 'self-service'), channels('phone', 'chat', 'email')),
      );
      // the changed step is painted on the diagram
      expect(await page.locator('.canvas .djs-element.diff-changed[data-element-id=Task_Grade]').count()).toBe(1);
      await page.screenshot({ path: fileURLToPath(new URL('workflow-published.png', SCREENSHOTS)), fullPage: true });

      // version 2 in the library, with the new limit and owner; the old ticket stays on version 1
      await page.click('[data-testid=published-link]');
      await page.waitForSelector('[data-testid=steps]');
      expect(page.url()).toContain('version=2');
      expect((await page.locator('tr[data-step=Task_Grade] [data-testid=limit]').textContent())?.trim()).toBe('20 min');
      expect((await page.locator('tr[data-step=Task_Grade] [data-testid=owner]').textContent())?.trim()).toBe('分级专员 Grader');
      expect((await server.app.tickets.get(running.id)).version).toBe(1);
      const v2 = await server.app.workflows.latest(KEY);
      expect(v2.workflow).toMatchObject({ slaMs: 2 * 24 * 3_600_000, channels: ['phone', 'chat', 'email'] });

      expect(outside).toEqual([]);
      expect(errors).toEqual([]);
      await close();
    },
    SLOW,
  );

  test(
    'an invalid BPMN uploaded from the library page is refused with its element ids listed; an agent cannot open the editor',
    async () => {
      const { page, close } = await signedIn(PEOPLE.manager, 'zh-CN');
      await page.goto(`${server.url}/workflows`);
      await page.setInputFiles('#bpmn-file', {
        name: 'broken.bpmn',
        mimeType: 'application/xml',
        buffer: Buffer.from(
          '<?xml version="1.0"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D"><bpmn:process id="broken" isExecutable="true"><bpmn:startEvent id="Start_1"/><bpmn:userTask id="Task_Lonely"/><bpmn:sequenceFlow id="Flow_1" sourceRef="Start_1" targetRef="Task_Missing"/></bpmn:process></bpmn:definitions>',
        ),
      });
      await Promise.all([page.waitForLoadState('load'), page.click('[data-testid=upload-form] button[type=submit]')]);
      const problems = (await page.locator('[data-testid=upload-problems]').textContent()) ?? '';
      expect(problems).toMatch(/Flow_1|Task_Missing|Task_Lonely/);
      await close();

      const agent = await signedIn(PEOPLE.agent);
      const answer = await agent.page.goto(`${server.url}/workflows/${KEY}/edit`);
      expect(answer?.status()).toBe(403);
      await agent.close();
    },
    SLOW,
  );

  test(
    'the Chinese editor words a check’s lint findings in Chinese by rule, the linter’s English on hover',
    async () => {
      const manager = { token: server.tokens.manager };
      const opened = await server.call('GET', `/api/workflows/${KEY}/draft`, manager);
      // a task with no flows and no name: no-disconnected (an error) and label-required (a warning)
      const bpmn = (opened.body.bpmn as string).replace(/(<bpmn:process [^>]*>)/, '$1<bpmn:userTask id="Task_Stray" />');
      const saved = await server.call('PUT', `/api/workflows/${KEY}/draft`, { ...manager, json: { bpmn, baseRevision: opened.body.revision } });
      expect(saved.status).toBe(200);

      const { page, errors, close } = await signedIn(PEOPLE.manager, 'zh-CN');
      await page.goto(`${server.url}/workflows/${KEY}/edit`);
      await page.waitForSelector('[data-editor][data-ready=true]');
      await page.click('button[data-action=check]');
      await page.waitForSelector('[data-testid=editor-report]:visible');
      const items = await page
        .locator('[data-problems] li')
        .evaluateAll((lis) =>
          lis.map((li) => ({ code: li.getAttribute('data-code'), rule: li.getAttribute('data-rule'), text: li.textContent, title: li.getAttribute('title') })),
        );
      const zh = (key: string) => createI18n(LOCALES_DIR).formatter('zh-CN').t(key);
      expect(items).toContainEqual({
        code: 'lint_error',
        rule: null,
        text: `Task_Stray: ${zh('lintRules.no-disconnected.name')}: ${zh('lintRules.no-disconnected.explanation')}`,
        title: expect.any(String),
      });
      expect(items).toContainEqual({
        code: null,
        rule: 'label-required',
        text: `Task_Stray: ${zh('lintRules.label-required.name')}: ${zh('lintRules.label-required.explanation')}`,
        title: expect.any(String),
      });
      // the linter's own English sentence is only the hover text
      for (const item of items) expect(item.text).not.toContain(item.title);
      expect(errors).toEqual([]);
      await close();
      const draft = await server.call('GET', `/api/workflows/${KEY}/draft`, manager);
      expect((await server.call('POST', `/api/workflows/${KEY}/draft/discard`, { ...manager, json: { revision: draft.body.revision } })).status).toBe(200);
    },
    SLOW,
  );

  test(
    'the Chinese editor words a dry run line by line and the diff in Chinese, a refusal naming the field and what it allows',
    async () => {
      // a draft whose grading step has another limit than the latest version's
      const manager = { token: server.tokens.manager };
      const opened = await server.call('GET', `/api/workflows/${KEY}/draft`, manager);
      const bpmn = (opened.body.bpmn as string).replace(/(<sop:step owner="[^"]*" sla=")PT\d+M(" vipSla="PT5M")/, '$1PT45M$2');
      expect(bpmn).not.toBe(opened.body.bpmn);
      expect((await server.call('PUT', `/api/workflows/${KEY}/draft`, { ...manager, json: { bpmn, baseRevision: opened.body.revision } })).status).toBe(200);
      const { page, errors, close } = await signedIn(PEOPLE.manager, 'zh-CN');
      await page.goto(`${server.url}/workflows/${KEY}/edit`);
      await page.waitForSelector('[data-editor][data-ready=true]');
      await page.fill('#dry-path', 'answer,grade?level=L9');
      await page.click('[data-dry-run] button[type=submit]');
      await page.waitForSelector('[data-testid=dry-run] [data-code=refused]');
      const lines = await page
        .locator('[data-testid=dry-run] [data-code]')
        .evaluateAll((spans) => spans.map((s) => ({ code: s.getAttribute('data-code'), text: s.textContent ?? '' })));
      const zh = createI18n(LOCALES_DIR).formatter('zh-CN');
      expect(lines.map((l) => l.code)).toEqual(expect.arrayContaining(['passed', 'entered', 'armed', 'waiting', 'exited', 'cancelled', 'refused']));
      const entered = lines.find((l) => l.code === 'entered' && l.text.includes('Task_Grade'))!;
      // the draft's limit of the step, worded as the Formatter words durations
      expect(entered.text).toContain(zh.t('editor.dryRun.parts.limit', { duration: zh.duration(45 * 60_000) }));
      expect(lines.at(-1)!.text).toContain(zh.t('problems.fieldNotOption', { label: '问题分级 Level', options: 'L1, L2, L3' }));
      // none of the API's English sentences: each line is the catalog's
      for (const line of lines)
        expect({ line, english: /\b(entered|exited|armed|waiting in|allowed|refused|limit|owner)\b/.test(line.text) }).toEqual({ line, english: false });

      // the check's diff against the latest version: the property by its catalog name, the durations as the Formatter words them
      const limit = (await server.app.workflows.latest(KEY)).workflow.steps.Task_Grade!.slaMs!;
      await page.click('button[data-action=check]');
      await page.waitForSelector('[data-testid=diff] [data-property=slaMs]');
      const change = await page.locator('[data-testid=diff] [data-property=slaMs]').first().textContent();
      expect(change).toBe(
        zh.t('editor.diff.change', { property: zh.t('editor.diff.properties.slaMs'), before: zh.duration(limit), after: zh.duration(45 * 60_000) }),
      );
      expect(errors).toEqual([]);
      await close();
      const draft = await server.call('GET', `/api/workflows/${KEY}/draft`, { token: server.tokens.manager });
      await server.call('POST', `/api/workflows/${KEY}/draft/discard`, { token: server.tokens.manager, json: { revision: draft.body.revision } });
    },
    SLOW,
  );

  test(
    'the Chinese editor words a condition’s syntax error, a lost connection and a save after the session ended in Chinese',
    async () => {
      const { page, errors, close } = await signedIn(PEOPLE.manager, 'zh-CN');
      const zh = createI18n(LOCALES_DIR).formatter('zh-CN');
      await page.goto(`${server.url}/workflows/${KEY}/edit`);
      await page.waitForSelector('[data-editor][data-ready=true]');

      // a condition that is not FEEL: the import's sentence for invalid_condition, and where the error is
      await page.click('.canvas [data-element-id=Flow_Level_L2_label]');
      await page.waitForSelector('#p-condition:visible');
      await page.fill('#p-condition', 'level = ("L2"');
      await page.waitForSelector('[data-feel].feel-error');
      const feel = page.locator('[data-feel]');
      expect(await feel.textContent()).toBe(zh.t('bpmnProblems.invalid_condition') + zh.t('editor.feelAt', { at: 14 }));
      expect(await feel.getAttribute('title')).toMatch(/syntax error/);

      // the server out of reach: said as such, not as the browser's English
      await page.route(`**/api/workflows/${KEY}/draft`, (route) => route.abort('internetdisconnected'));
      await page.click('button[data-action=save]');
      await page.waitForSelector('[data-testid=editor-status].error');
      expect(await page.locator('[data-testid=editor-status]').textContent()).toBe(zh.t('editor.msg.network'));
      await page.unroute(`**/api/workflows/${KEY}/draft`);

      // a save after the session ended (signed out elsewhere): refused by its code, the API's English only on hover
      await page.context().clearCookies();
      await page.click('button[data-action=save]');
      await page.waitForFunction((before) => document.querySelector('[data-testid=editor-status]')?.textContent !== before, zh.t('editor.msg.network'));
      const status = page.locator('[data-testid=editor-status]');
      expect(await status.textContent()).toBe(`${zh.t('editor.msg.refused')} ${zh.t('errors.unauthorized.title')}`);
      expect(await status.getAttribute('title')).toMatch(/[a-z]{4,}/);

      // the failed requests are the ones this test made fail
      expect(errors.filter((e) => !e.includes(`/api/workflows/${KEY}/draft`))).toEqual([]);
      expect(errors.length).toBeGreaterThan(0);
      await close();
    },
    SLOW,
  );
});

import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { createI18n, LOCALES_DIR } from '../../server/shared/i18n.js';
import { describeInBrowser, SCREENSHOTS } from '../helpers/browser.js';
import { sqliteDatabase, type TestDatabase } from '../helpers/databases.js';
import { AGENT, PEOPLE, startTestServer, type TestServer } from '../helpers/web-server.js';

const SLOW = 90_000;
const LANE = '客服专员 Agent';

describeInBrowser('the /routing page', (browser) => {
  let database: TestDatabase;
  let server: TestServer;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    database = sqliteDatabase();
    server = await startTestServer(database, { workflows: ['customer-inquiry'], config: { routing: { allowPrivate: true } } });
    for (const subject of ['我要退款', 'Refund my order', 'APP 登录不了']) {
      await server.app.tickets.create({ workflow: 'customer-inquiry', channel: 'chat', subject, customer: { name: '王伟' } }, AGENT);
    }
  }, SLOW);
  afterAll(async () => {
    for (const context of contexts.splice(0)) await context.close();
    await server.close();
    await database.drop();
  });

  async function signedIn(locale: string): Promise<Page> {
    const context = await browser().newContext({ locale, viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(server.url + '/');
    await page.fill('#email', PEOPLE.admin.email);
    await page.fill('#password', PEOPLE.admin.password);
    await Promise.all([page.waitForURL(/\/admin/), page.click('form.stacked button[type=submit]')]);
    return page;
  }

  test.each(['zh-CN', 'en'] as const)(
    'an admin builds rules in the structured editor, reviews the trial, saves; pushes a lane, sets capacity per channel, adds a webhook (%s)',
    async (locale) => {
      const zh = locale === 'zh-CN';
      const admin = await server.app.users.byEmail(PEOPLE.admin.email);
      await server.app.routing.rules.save(admin, []);
      const page = await signedIn(locale);
      await page.goto(server.url + '/routing');
      await page.getByRole('heading', { name: zh ? '分类规则' : 'Classification rules' }).waitFor();
      const editor = page.getByTestId('rule-editor');
      const press = async (name: string | RegExp) => Promise.all([page.waitForLoadState('load'), editor.getByRole('button', { name, exact: true }).click()]);
      const card = (n: number) => page.getByTestId(`rule-${n}`);
      const field = (n: number, label: string) => card(n).getByLabel(label, { exact: true });
      const names = () => editor.locator('input[name$=".name"]').evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value));

      // Two rules, typed into their cards' fields.
      await press(zh ? '添加规则' : 'Add rule');
      await field(1, zh ? '规则 1' : 'Rule 1').fill(zh ? '退款' : 'refunds');
      await field(1, zh ? '关键词或短语' : 'Keywords or phrases').fill('退款, refund');
      await field(1, zh ? '在线客服' : 'Web chat').check();
      await field(1, zh ? '问题类型' : 'Problem type').fill('billing');
      await field(1, zh ? '级别' : 'Level').selectOption('L1');
      await press(zh ? '添加规则' : 'Add rule');
      await field(2, zh ? '规则 2' : 'Rule 2').fill(zh ? '登录' : 'login');
      await field(2, zh ? '关键词或短语' : 'Keywords or phrases').fill('登录, log in');
      await field(2, zh ? '客户' : 'Customer').selectOption('no');
      await field(2, zh ? '问题类型' : 'Problem type').fill('technical');
      await field(2, zh ? '优先级' : 'Priority').selectOption('high');
      await field(2, zh ? '标签' : 'Tags').fill('app');
      // Reorder: the login rule first; a third card added and removed again.
      await press(zh ? '上移规则 2' : 'Move rule 2 up');
      expect(await names()).toEqual(zh ? ['登录', '退款'] : ['login', 'refunds']);
      await press(zh ? '添加规则' : 'Add rule');
      expect(await names()).toHaveLength(3);
      await press(zh ? '删除规则 3' : 'Remove rule 3');
      expect(await names()).toEqual(zh ? ['登录', '退款'] : ['login', 'refunds']);
      expect(await field(1, zh ? '优先级' : 'Priority').inputValue()).toBe('high');
      expect(await field(2, zh ? '在线客服' : 'Web chat').isChecked()).toBe(true);

      // Save before any test: the trial on recent tickets is shown first, nothing saved yet.
      await press(zh ? '保存规则' : 'Save rules');
      await page.getByTestId('routing-review').waitFor();
      const trial = page.locator('[data-testid=routing-trial] tbody tr');
      expect(await trial.count()).toBe(3);
      expect(await trial.filter({ hasText: 'APP 登录不了' }).textContent()).toContain(zh ? '规则：登录' : 'rule: login');
      expect((await server.app.routing.rules.list()).length).toBe(0);
      await page.screenshot({ path: fileURLToPath(new URL(`routing-rules-trial-${locale}.png`, SCREENSHOTS)), fullPage: true });
      // Saved once its trial has been seen.
      await Promise.all([page.waitForURL(/\/routing#main$/), editor.getByRole('button', { name: zh ? '保存规则' : 'Save rules', exact: true }).click()]);
      expect((await server.app.routing.rules.list()).map((r) => [r.name, r.when, r.set])).toEqual([
        [zh ? '登录' : 'login', { keywords: ['登录', 'log in'], vip: false }, { type: 'technical', priority: 'high', tags: ['app'] }],
        [zh ? '退款' : 'refunds', { keywords: ['退款', 'refund'], channels: ['chat'] }, { type: 'billing', level: 'L1' }],
      ]);
      expect(await page.locator('[data-testid=routing-rules] tbody tr').first().textContent()).toContain(zh ? '登录' : 'login');
      expect(await names()).toEqual(zh ? ['登录', '退款'] : ['login', 'refunds']);

      const lane = page.locator('[data-testid=routing-lanes] tr', { hasText: LANE });
      await lane.locator('select[name=policy]').selectOption('push');
      await Promise.all([page.waitForURL(/\/routing$/), lane.getByRole('button').click()]);
      expect(await page.locator('[data-testid=routing-lanes] tr', { hasText: LANE }).locator('select[name=policy]').inputValue()).toBe('push');

      const agentRow = page.locator('[data-testid=routing-agents] tr', { hasText: AGENT });
      await agentRow.locator('input[name=skills]').fill('billing, technical');
      await agentRow.locator('select[name=level]').selectOption('L2');
      await agentRow.getByLabel(zh ? '热线电话' : 'Phone').fill('1');
      await agentRow.getByLabel(zh ? '在线客服' : 'Web chat').fill('3');
      await agentRow.getByLabel(zh ? '邮件' : 'Email').fill('10');
      await Promise.all([page.waitForURL(/\/routing$/), agentRow.getByRole('button').click()]);
      expect(await page.locator('[data-testid=routing-agents] tr', { hasText: AGENT }).getByTestId('agent-load').textContent()).toMatch(
        zh ? /热线电话 0\/1 · 在线客服 0\/3 · 邮件 0\/10/ : /Phone 0\/1 · Web chat 0\/3 · Email 0\/10/,
      );

      await page.fill('#webhook-url', `http://127.0.0.1:9/${locale}`);
      await page.selectOption('#webhook-format', 'wecom');
      await page.check('input[name=events][value=sla-breach]');
      await page.check('input[name=events][value=assignment]');
      await Promise.all([page.waitForURL(/\/routing$/), page.getByRole('button', { name: zh ? '添加 Webhook' : 'Add webhook' }).click()]);
      const hook = page.locator('[data-testid=routing-webhooks] tr', { hasText: `/${locale}` });
      // the events by their names in the page's language, not their ids
      const f = createI18n(LOCALES_DIR).formatter(zh ? 'zh-CN' : 'en');
      const events = f.list(['sla-breach', 'assignment'].map((e) => f.t(`routing.webhooks.eventKinds.${e}`)));
      expect(await hook.textContent()).toContain(events);
      await page.screenshot({ path: fileURLToPath(new URL(`routing-${locale}.png`, SCREENSHOTS)), fullPage: true });
    },
    SLOW,
  );
});

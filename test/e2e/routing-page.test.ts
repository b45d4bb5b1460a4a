import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
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
    'an admin tests and saves a rule set, pushes a lane, sets capacity and adds a webhook (%s)',
    async (locale) => {
      const zh = locale === 'zh-CN';
      const page = await signedIn(locale);
      await page.goto(server.url + '/routing');
      await page.getByRole('heading', { name: zh ? '分类规则' : 'Classification rules' }).waitFor();
      const rules = [{ name: zh ? '退款' : 'refunds', when: { keywords: ['退款', 'refund'] }, set: { type: 'billing', level: 'L1' } }];
      await page.fill('#rules-source', JSON.stringify(rules));
      await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: zh ? '用最近工单测试' : 'Test on recent tickets' }).click()]);
      const trial = page.locator('[data-testid=routing-trial] tbody tr');
      // The two refund tickets; the login ticket stays unclassified either way.
      expect(await trial.count()).toBe(2);
      await Promise.all([page.waitForURL(/\/routing$/), page.getByRole('button', { name: zh ? '保存规则' : 'Save rules' }).click()]);
      expect(await page.locator('[data-testid=routing-rules] tbody tr').first().textContent()).toContain(rules[0]!.name);

      const lane = page.locator('[data-testid=routing-lanes] tr', { hasText: LANE });
      await lane.locator('select[name=policy]').selectOption('push');
      await Promise.all([page.waitForURL(/\/routing$/), lane.getByRole('button').click()]);
      expect(await page.locator('[data-testid=routing-lanes] tr', { hasText: LANE }).locator('select[name=policy]').inputValue()).toBe('push');

      const agentRow = page.locator('[data-testid=routing-agents] tr', { hasText: AGENT });
      await agentRow.locator('input[name=skills]').fill('billing, technical');
      await agentRow.locator('select[name=level]').selectOption('L2');
      await agentRow.locator('input[name=capacity]').fill('5');
      await Promise.all([page.waitForURL(/\/routing$/), agentRow.getByRole('button').click()]);
      expect(await page.locator('[data-testid=routing-agents] tr', { hasText: AGENT }).textContent()).toContain('0 / 5');

      await page.fill('#webhook-url', `http://127.0.0.1:9/${locale}`);
      await page.selectOption('#webhook-format', 'wecom');
      await page.check('input[name=events][value=sla-breach]');
      await page.check('input[name=events][value=assignment]');
      await Promise.all([page.waitForURL(/\/routing$/), page.getByRole('button', { name: zh ? '添加 Webhook' : 'Add webhook' }).click()]);
      const hook = page.locator('[data-testid=routing-webhooks] tr', { hasText: `/${locale}` });
      expect(await hook.textContent()).toContain('sla-breach, assignment');
      await page.screenshot({ path: fileURLToPath(new URL(`routing-${locale}.png`, SCREENSHOTS)), fullPage: true });
    },
    SLOW,
  );
});

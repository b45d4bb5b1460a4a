import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { describeInBrowser, SCREENSHOTS } from '../helpers/browser.js';
import { sqliteDatabase, type TestDatabase } from '../helpers/databases.js';
import { SHARED_DEMO } from '../helpers/sopflow.js';
import { PEOPLE, startTestServer, type TestServer } from '../helpers/web-server.js';

/** A browser walk takes seconds; a cold Chromium start and the demo take more. */
const SLOW = 120_000;
/** The demo data the other analytics tests read: three weeks, with a password for its people. */
const DEMO = SHARED_DEMO;
const AGENT = 'li.na@demo';

/** The words of each language the walk checks for. */
const WORDS = {
  en: {
    locale: 'en-US',
    figures: 'Figures',
    heatmap: 'Where the time goes',
    compare: 'Before and after',
    handled: 'Handled tickets',
    verdicts: ['Better', 'Worse', 'No evidence of a change'],
  },
  'zh-CN': {
    locale: 'zh-CN',
    figures: '指标',
    heatmap: '时间耗在哪里',
    compare: '改进前后对比',
    handled: '处理工单数',
    verdicts: ['更好', '更差', '证据不足，不能判定有变化'],
  },
} as const;

describeInBrowser('analytics pages end to end', (browser) => {
  let database: TestDatabase;
  let server: TestServer;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    database = sqliteDatabase();
    server = await startTestServer(database, { demo: DEMO });
  }, SLOW);
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
  });

  /**
   * A fresh browser profile in `locale` that lets no request leave the server: every request is recorded,
   * and one to any other origin is aborted (and so shows up as a failure of the test, not as a slow page).
   * Console errors are recorded too (a CSP refusal is one), all but the browser's own favicon guess.
   */
  async function openPage(locale: string): Promise<{ page: Page; outside: string[]; errors: string[] }> {
    const context = await browser().newContext({ locale, viewport: { width: 1366, height: 900 } });
    contexts.push(context);
    const outside: string[] = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (new URL(url).origin === server.url) return route.continue();
      outside.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.location().url.endsWith('/favicon.ico')) errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    return { page, outside, errors };
  }

  async function signIn(page: Page, email: string, password: string): Promise<void> {
    await page.goto(server.url + '/');
    await page.fill('#email', email);
    await page.fill('#password', password);
    await Promise.all([page.waitForURL(/\/(queue|workflows|admin)/), page.click('form.stacked button[type=submit]')]);
  }

  const text = async (page: Page, selector: string) => ((await page.locator(selector).first().textContent()) ?? '').trim();
  const shot = (page: Page, name: string) => page.screenshot({ path: fileURLToPath(new URL(name, SCREENSHOTS)), fullPage: true });

  test.each(['en', 'zh-CN'] as const)(
    'a manager reads the dashboard with the heatmap drawn on the diagram, follows a number to its tickets, and compares two periods (%s)',
    async (language) => {
      const words = WORDS[language];
      const { page, outside, errors } = await openPage(words.locale);
      await signIn(page, PEOPLE.manager.email, PEOPLE.manager.password);

      // the manager's home links to analytics; the dashboard of one workflow
      await Promise.all([page.waitForURL(/\/analytics$/), page.click('[data-testid=analytics-lede] a')]);
      await Promise.all([page.waitForURL(/\/analytics\/customer-inquiry$/), page.click('a[href="/analytics/customer-inquiry"]')]);
      expect(await text(page, '#figures-h')).toBe(words.figures);
      expect(await text(page, '#heatmap-h')).toContain(words.heatmap);

      // the heatmap: bpmn-js (served by the server) draws the version's diagram, a marker and a badge per measured step
      await page.waitForSelector('[data-heatmap][data-rendered]', { timeout: 30_000 });
      const rendered = await page.getAttribute('[data-heatmap]', 'data-rendered');
      const steps = JSON.parse((await page.getAttribute('[data-heatmap]', 'data-steps'))!) as Array<{ id: string; band: string; breach: string }>;
      expect(Number(rendered)).toBe(steps.length);
      expect(steps.length).toBeGreaterThan(3);
      expect(await page.locator('.djs-overlays .heat-badge').count()).toBe(steps.length);
      for (const step of steps) {
        const shape = page.locator(`.djs-element[data-element-id="${step.id}"]`);
        expect(await shape.getAttribute('class')).toContain(`heat-${step.band}`);
        expect(await shape.getAttribute('class')).toContain(`breach-${step.breach}`);
      }
      // a badge leads to its step's row in the table of the same figures
      const badge = page.locator('.djs-overlays .heat-badge').first();
      expect(await badge.getAttribute('href')).toBe(`#step-${steps[0]!.id}`);
      expect(await page.locator(`#step-${steps[0]!.id}`).count()).toBe(1);
      expect(await page.locator('figure.chart-figure svg[role=img]').count()).toBe(16);
      await shot(page, `analytics-dashboard-${language}.png`);

      // a number leads to exactly that many tickets
      const tickets = page.locator('[data-testid=kpi-tickets] a');
      const count = Number(((await tickets.textContent()) ?? '').replace(/[,\s]/g, ''));
      expect(count).toBeGreaterThan(10);
      await Promise.all([page.waitForURL(/\/tickets\?/), tickets.click()]);
      expect(Number(await page.getAttribute('[data-testid=drill-total]', 'data-total'))).toBe(count);
      expect(await page.locator('[data-testid=table-tickets] tbody tr').count()).toBe(Math.min(count, 50));

      // before and after: the demo's two halves
      await page.goto(`${server.url}/analytics/customer-inquiry/compare?a.from=2026-11-02&a.to=2026-11-12&b.from=2026-11-13&b.to=2026-11-23`);
      expect(await text(page, 'h1')).toContain(words.compare);
      const verdicts = await page.locator('[data-testid=table-compare] tbody tr td:nth-child(9)').allTextContents();
      expect(verdicts.length).toBeGreaterThan(5);
      for (const verdict of verdicts) expect(words.verdicts).toContain(verdict.trim());
      expect(await page.locator('[data-testid=compare-methods] li').count()).toBeGreaterThan(0);
      await shot(page, `analytics-compare-${language}.png`);

      expect(outside).toEqual([]);
      expect(errors).toEqual([]);
    },
    SLOW,
  );

  test.each(['en', 'zh-CN'] as const)(
    'an agent reads their own figures against the team, and may not open another agent’s (%s)',
    async (language) => {
      const words = WORDS[language];
      const { page, outside, errors } = await openPage(words.locale);
      await signIn(page, AGENT, DEMO.password);
      await Promise.all([page.waitForURL(/\/agents\/me$/), page.click('nav.main-nav a[href="/agents/me"]')]);
      expect(await text(page, '[data-testid=agent-name]')).toBe((await server.app.users.byEmail(AGENT)).name);
      expect(await text(page, '[data-testid=table-agent-figures] tbody tr td')).toBe(words.handled);
      const handled = await page.locator('[data-testid=table-tickets] tbody tr').count();
      expect(handled).toBeGreaterThan(0);
      await shot(page, `agent-${language}.png`);

      const other = await server.app.users.byEmail('wang.wei@demo');
      const refused = await page.goto(`${server.url}/agents/${other.id}`);
      expect(refused?.status()).toBe(403);
      expect(outside).toEqual([]);
      expect(errors.filter((e) => !e.includes('403'))).toEqual([]);
    },
    SLOW,
  );
});

import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { describeInBrowser, SCREENSHOTS } from '../helpers/browser.js';
import { sqliteDatabase, type TestDatabase } from '../helpers/databases.js';
import { PEOPLE, startTestServer, type TestServer } from '../helpers/web-server.js';

/** A browser walk takes seconds; a cold Chromium start takes more. */
const SLOW = 90_000;

const MIN = 60_000;
const HOUR = 60 * MIN;

/** The words of each language the walk checks for; the workflow's own words are the same in both. */
const WORDS = {
  en: {
    locale: 'en-US',
    newTicket: 'New ticket',
    opened: 'Ticket #',
    timeline: 'Timeline',
    closed: 'Closed',
    left: 'left',
    queue: 'Queue',
    forbidden: 'You may not open this page',
  },
  'zh-CN': {
    locale: 'zh-CN',
    newTicket: '新建工单',
    opened: '工单 #',
    timeline: '处理记录',
    closed: '已结案',
    left: '剩余',
    queue: '工单队列',
    forbidden: '您无权打开此页面',
  },
} as const;

describeInBrowser('pages end to end', (browser) => {
  let database: TestDatabase;
  let server: TestServer;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    database = sqliteDatabase();
    server = await startTestServer(database);
    // Other work in the queue, so its screenshot shows VIP first, marks and owners.
    const { tickets } = server.app;
    const seed = [
      { workflow: 'email-support', channel: 'email', subject: 'Invoice sent twice', customer: { name: 'Zhao Min', externalId: 'crm-301' } },
      { workflow: 'phone-service', channel: 'phone', subject: 'Cannot reset password', customer: { name: 'Liu Yang' }, vip: true },
      { workflow: 'complaint-handling', channel: 'social', subject: 'Delivery three days late', customer: { name: 'Sun Li', externalId: 'crm-302' } },
      { workflow: 'standard-service', channel: 'store', subject: 'Change of address', customer: { name: 'Zhou Qing' } },
    ];
    for (const ticket of seed) await tickets.create(ticket, PEOPLE.agent.email);
  }, SLOW);
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
  });

  /** A fresh browser profile whose Accept-Language is `locale`; every dialog (an alert from injected markup) is recorded. */
  async function openPage(locale: string): Promise<{ page: Page; dialogs: string[] }> {
    const context = await browser().newContext({ locale, viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    return { page, dialogs };
  }

  const text = async (page: Page, selector: string) => ((await page.locator(selector).first().textContent()) ?? '').trim();

  async function signIn(page: Page, email: string, password: string): Promise<void> {
    await page.goto(server.url + '/');
    await page.fill('#email', email);
    await page.fill('#password', password);
    await Promise.all([page.waitForURL(/\/(queue|workflows|admin)/), page.click('form.stacked button[type=submit]')]);
  }

  async function press(page: Page, label: string): Promise<void> {
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: label, exact: true }).click()]);
    await page.waitForSelector('[data-testid=ticket-status]');
  }

  test.each(['en', 'zh-CN'] as const)(
    'an agent opens a ticket from intake and walks the inquiry SOP’s L2 branch to closed, then reads the timeline (%s)',
    async (language) => {
      const words = WORDS[language];
      const email = `walker.${language.toLowerCase()}@agents.test`;
      await server.app.users.add({ email, role: 'agent', password: 'walker-password-1', name: `Walker ${language}` });
      const { page, dialogs } = await openPage(words.locale);
      await signIn(page, email, 'walker-password-1');
      expect(await text(page, 'h1')).toBe(words.queue);

      await page.getByRole('link', { name: words.newTicket }).first().click();
      expect(await text(page, 'h1')).toBe(words.newTicket);
      // The workflow follows the channel (most specific first, else the inquiry) until the agent picks one.
      await page.selectOption('#i-channel', 'email');
      expect(await page.inputValue('#i-workflow')).toBe('email-support');
      await page.selectOption('#i-channel', 'chat');
      expect(await page.inputValue('#i-workflow')).toBe('customer-inquiry');
      await page.selectOption('#i-workflow', 'standard-service');
      await page.selectOption('#i-channel', 'email');
      expect(await page.inputValue('#i-workflow')).toBe('standard-service');
      await page.selectOption('#i-workflow', 'customer-inquiry');
      await page.fill('#i-customerName', language === 'en' ? 'Wang Wei' : '王伟');
      await page.fill('#i-externalId', `crm-${language}`);
      await page.fill('#i-subject', language === 'en' ? 'The app crashes at start' : 'APP 启动即闪退');
      await Promise.all([page.waitForURL(/\/tickets\/\d+$/), page.click('form[data-intake] button[type=submit]')]);
      expect(await text(page, '.flash-success')).toContain(words.opened);
      const id = Number(/\/tickets\/(\d+)$/.exec(page.url())![1]);

      // The guided step, with its live countdown (the static script runs under the CSP).
      expect(await text(page, '[data-testid=step-name]')).toBe('人工客服接听 Agent answers');
      // The server wrote "5 min left"; the script turns it into a ticking clock.
      await page.waitForFunction(() => /\d:\d\d/.test(document.querySelector('.countdown-text')?.textContent ?? ''));
      expect(await text(page, '.countdown-text')).toMatch(new RegExp(`^(${words.left} )?(5:00|4:5\\d)( ${words.left})?$`));
      await page.screenshot({ path: fileURLToPath(new URL(`ticket-${language}.png`, SCREENSHOTS)), fullPage: true });

      server.app.clock.advance(2 * MIN);
      await page.fill('#f-Task_Answer-issueSummary', 'crash at splash screen');
      await press(page, '已接听 Answered');
      expect(await text(page, '[data-testid=step-name]')).toBe('问题分级 Grading');

      server.app.clock.advance(3 * MIN);
      await page.selectOption('#f-Task_Grade-level', 'L2');
      await press(page, '已分级 Graded');
      expect(await text(page, '[data-testid=step-name]')).toBe('技术支持处理 Technical support');
      expect(await text(page, '[data-testid=step-owner]')).toBe('技术支持 Technical support');

      // The queue while the ticket waits for technical support, among the others.
      await page.goto(server.url + '/queue');
      expect(await page.locator(`table.queue a[href="/tickets/${id}"]`).count()).toBe(1);
      await page.screenshot({ path: fileURLToPath(new URL(`queue-${language}.png`, SCREENSHOTS)), fullPage: true });
      await page.goto(`${server.url}/tickets/${id}`);

      server.app.clock.advance(3 * HOUR);
      await server.app.scheduler.runDue();
      await press(page, '已解决 Resolved');
      server.app.clock.advance(20 * MIN);
      await press(page, '已反馈 Feedback sent');
      expect(await text(page, '[data-testid=step-name]')).toBe('客户回访 Follow-up call');

      // A satisfaction out of range is refused with the reason; nothing moves.
      server.app.clock.advance(HOUR);
      await page.fill('#f-Task_FollowUp-satisfaction', '7');
      await page.selectOption('#f-Task_FollowUp-resolved', 'true');
      await press(page, '已回访 Followed up');
      expect(await text(page, '#f-Task_FollowUp-satisfaction-error')).toContain('1');
      await page.fill('#f-Task_FollowUp-satisfaction', '5');
      await press(page, '已回访 Followed up');

      expect(await text(page, '[data-testid=ticket-status]')).toBe(words.closed);
      expect(await text(page, '#timeline-h')).toBe(words.timeline);
      const rows = page.locator('[data-testid=timeline] tbody tr.tl-step');
      expect(await rows.count()).toBe(6); // the bot's pre-classification and the five steps walked
      expect(await text(page, '[data-testid=timeline]')).toContain('技术支持主管 Technical-support lead');
      const log = (await server.app.tickets.get(id)).stepLog.filter((entry) => !entry.automatic);
      expect(log.map((entry) => [entry.event, entry.durationMs])).toEqual([
        ['answer', 2 * MIN],
        ['grade', 3 * MIN],
        ['resolve', 3 * HOUR],
        ['send_feedback', 20 * MIN],
        ['record_follow_up', HOUR],
      ]);
      await page.screenshot({ path: fileURLToPath(new URL(`ticket-closed-${language}.png`, SCREENSHOTS)), fullPage: true });

      expect(dialogs).toEqual([]);
    },
    SLOW,
  );

  test(
    'the language switch changes every word around the workflow’s own and is kept for the user',
    async () => {
      const { page } = await openPage('en-US');
      await server.app.users.add({ email: 'switcher@agents.test', role: 'agent', password: 'switch-password-1' });
      await signIn(page, 'switcher@agents.test', 'switch-password-1');
      expect(await text(page, 'h1')).toBe('Queue');
      await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: '中文' }).click()]);
      expect(await text(page, 'h1')).toBe('工单队列');
      expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
      expect((await server.app.users.byEmail('switcher@agents.test')).locale).toBe('zh-CN');
    },
    SLOW,
  );

  test(
    'an agent cannot reach a manager’s page: a 403 page in the layout, and the navigation does not offer it',
    async () => {
      const { page } = await openPage('en-US');
      await signIn(page, PEOPLE.agent.email, PEOPLE.agent.password);
      expect(await text(page, 'nav.main-nav')).not.toContain('Admin');
      expect(await text(page, 'nav.main-nav')).not.toContain('Workflows');
      for (const path of ['/admin', '/workflows', '/analytics']) {
        const response = await page.goto(server.url + path);
        expect(response?.status()).toBe(403);
        expect(await text(page, 'h1')).toBe(WORDS.en.forbidden);
        expect(await page.locator('nav.main-nav').isVisible()).toBe(true);
      }
    },
    SLOW,
  );

  test(
    'an admin adds a user on /admin (the generated password shown once), deactivates them, and reads both in the audit log',
    async () => {
      const { page, dialogs } = await openPage('en-US');
      await signIn(page, PEOPLE.admin.email, PEOPLE.admin.password);
      expect(await text(page, 'h1')).toBe('Admin');
      await page.fill('form.admin-add input[name=email]', 'browser.added@agents.test');
      await page.fill('form.admin-add input[name=name]', '<b>Bold</b> Added');
      await page.selectOption('form.admin-add select[name=role]', 'agent');
      await Promise.all([page.waitForLoadState('load'), page.click('form.admin-add button[type=submit]')]);
      const password = await text(page, '[data-testid=admin-secret]');
      expect(password).toMatch(/^\S{20}$/);
      const row = page.locator('[data-testid="user-browser.added@agents.test"]');
      expect(await row.locator('td').nth(1).textContent()).toBe('<b>Bold</b> Added');
      await Promise.all([page.waitForURL(/\/admin$/), row.getByRole('button', { name: 'Deactivate', exact: true }).click()]);
      expect(await text(page, '[data-testid="status-browser.added@agents.test"]')).toMatch(/^deactivated /);
      expect(await text(page, '.admin-audit tbody tr')).toContain('deactivated');
      expect(await page.content()).not.toContain(password);
      expect(dialogs).toEqual([]);
      await page.screenshot({ path: fileURLToPath(new URL('admin.png', SCREENSHOTS)), fullPage: true });
    },
    SLOW,
  );

  test(
    'a form sent without its CSRF token is refused with 403 and changes nothing',
    async () => {
      const { page } = await openPage('en-US');
      await signIn(page, PEOPLE.agent.email, PEOPLE.agent.password);
      await page.goto(server.url + '/tickets/new');
      await page.fill('#i-customerName', 'Forged');
      await page.fill('#i-subject', 'sent without the token');
      await page.evaluate(() => document.querySelector('form[data-intake] input[name="_csrf"]')?.remove());
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/tickets') && r.request().method() === 'POST'),
        page.click('form[data-intake] button[type=submit]'),
      ]);
      expect(response.status()).toBe(403);
      expect(await text(page, 'h1')).toBe('This form has expired');
      const subjects = (await server.app.tickets.list({ limit: 100 })).items.map((t) => t.subject);
      expect(subjects).not.toContain('sent without the token');
    },
    SLOW,
  );

  test(
    'a subject <img src=x onerror=alert(1)> is shown as text: no dialog, no image, the text visible on the ticket and in the queue',
    async () => {
      const hostile = '<img src=x onerror=alert(1)>';
      const { page, dialogs } = await openPage('en-US');
      await signIn(page, PEOPLE.agent.email, PEOPLE.agent.password);
      await page.goto(server.url + '/tickets/new');
      await page.fill('#i-customerName', '<b onmouseover=alert(2)>Mallory</b>');
      await page.fill('#i-subject', hostile);
      await Promise.all([page.waitForURL(/\/tickets\/\d+$/), page.click('form[data-intake] button[type=submit]')]);
      expect(await text(page, '[data-testid=ticket-subject]')).toBe(hostile);
      expect(await page.locator('[data-testid=ticket-subject] img').count()).toBe(0);
      expect(await text(page, '[data-testid=customer-link]')).toBe('<b onmouseover=alert(2)>Mallory</b>');
      await page.goto(server.url + '/queue');
      expect(await text(page, 'table.queue')).toContain(hostile);
      expect(await page.locator('table.queue img').count()).toBe(0);
      await page.waitForTimeout(300);
      expect(dialogs).toEqual([]);
    },
    SLOW,
  );

  test(
    'wrong password five times: the sixth attempt is refused as rate-limited',
    async () => {
      const { page } = await openPage('en-US');
      for (let attempt = 1; attempt <= 5; attempt++) {
        await page.goto(server.url + '/');
        await page.fill('#email', PEOPLE.manager.email);
        await page.fill('#password', `wrong-${attempt}`);
        const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('form.stacked button[type=submit]')]);
        expect(response.status()).toBe(401);
        expect(await page.locator('#sign-in-error').isVisible()).toBe(true);
      }
      await page.goto(server.url + '/');
      await page.fill('#email', PEOPLE.manager.email);
      await page.fill('#password', PEOPLE.manager.password);
      const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('form.stacked button[type=submit]')]);
      expect(response.status()).toBe(429);
      expect(await text(page, 'h1')).toBe('Too many attempts');
    },
    SLOW,
  );
});

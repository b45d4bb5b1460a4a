import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import * as XLSX from 'xlsx';
import { describeInBrowser, SCREENSHOTS } from '../helpers/browser.js';
import { sqliteDatabase, type TestDatabase } from '../helpers/databases.js';
import { waitFor } from '../helpers/wait-for.js';
import { PEOPLE, startTestServer, type TestServer } from '../helpers/web-server.js';

const SLOW = 90_000;
const statusWords: Record<string, string> = { not_started: 'Not started', in_progress: 'In progress', done: 'Done', needs_optimization: 'Needs optimization' };

describeInBrowser('execution tables end to end', (browser) => {
  let database: TestDatabase;
  let server: TestServer;
  let context: BrowserContext;

  beforeAll(async () => {
    database = sqliteDatabase();
    server = await startTestServer(database);
  }, SLOW);
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });
  afterEach(async () => {
    await context?.close();
  });

  async function signedInManager(locale: string, viewport = { width: 1400, height: 900 }): Promise<Page> {
    context = await browser().newContext({ locale, viewport, acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(server.url + '/');
    await page.fill('#email', PEOPLE.manager.email);
    await page.fill('#password', PEOPLE.manager.password);
    await Promise.all([page.waitForURL(/\/workflows/), page.click('form.stacked button[type=submit]')]);
    return page;
  }

  test(
    'a manager creates a project from the six-step template, changes a row’s status, reads its history, sees the schedule and downloads the workbook',
    async () => {
      const page = await signedInManager('zh-CN');
      await page.getByRole('link', { name: '流程优化执行表' }).click();
      await page.fill('#p-name', '客服流程优化 2026 Q1');
      await page.fill('#p-start', '2026-01-05');
      await Promise.all([page.waitForURL(/\/execution-tables\/\d+$/), page.getByRole('button', { name: '创建项目' }).click()]);
      expect(await page.locator('h1').textContent()).toBe('客服流程优化 2026 Q1');
      const rows = await page.locator('tbody tr[id^=row-]').count();
      expect(rows).toBeGreaterThanOrEqual(12);
      const notStartedBefore = Number(await page.locator('[data-testid=count-not_started] strong').textContent());
      await page.screenshot({ path: fileURLToPath(new URL('execution-table-zh.png', SCREENSHOTS)), fullPage: true });

      // The last row (not started in the template) becomes "需优化", saved with its row's own button.
      const last = page.locator(`[data-testid=row-${rows}]`);
      expect(await last.locator('select[name=status]').inputValue()).toBe('not_started');
      await last.locator('select[name=status]').selectOption('needs_optimization');
      await Promise.all([page.waitForLoadState('load'), last.getByRole('button', { name: '保存' }).click()]);
      await page.waitForSelector('.flash-success');
      expect(await page.locator(`[data-testid=row-${rows}] select[name=status]`).inputValue()).toBe('needs_optimization');
      expect(Number(await page.locator('[data-testid=count-not_started] strong').textContent())).toBe(notStartedBefore - 1);

      // Its history says who changed what.
      await page.locator(`[data-testid=row-${rows}]`).getByRole('link', { name: '详情与历史' }).click();
      const history = page.locator('[data-testid=history]');
      await history.waitFor();
      expect(await history.locator('li').first().textContent()).toContain(PEOPLE.manager.email);
      expect(await history.textContent()).toMatch(/完成状态: 未开始 → 需优化/);

      // The schedule is an SVG chart drawn by the server.
      await page.goBack();
      await page.getByRole('link', { name: '进度安排' }).click();
      expect(await page.locator('[data-testid=gantt] svg[role=img]').count()).toBe(1);
      await page.screenshot({ path: fileURLToPath(new URL('execution-schedule-zh.png', SCREENSHOTS)), fullPage: true });
      await page.goBack();

      // The workbook downloads in the reader's language, with the change in it.
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid=export]').click()]);
      expect(download.suggestedFilename()).toMatch(/^客服流程优化 2026 Q1 .*\.xlsx$/);
      const workbook = XLSX.read(readFileSync((await download.path())!), { cellDates: true });
      expect(workbook.SheetNames[0]).toBe('执行表');
      const cells = XLSX.utils.sheet_to_json<unknown[]>(workbook.Sheets['执行表']!, { header: 1 });
      expect(cells[1]).toEqual(expect.arrayContaining(['流程环节', '完成状态']));
      expect(cells.length - 2).toBe(rows);
      expect(cells.at(-1)).toContain('需优化');
    },
    SLOW,
  );

  test(
    'a workbook edited offline is previewed, then applied; a bad one is refused whole with its rows and columns listed (English)',
    async () => {
      const table = await server.app.executionTables.create(
        { name: 'Service desk plan', startDate: '2026-01-05', template: 'six-step-method', locale: 'en' },
        PEOPLE.manager.email,
      );
      const page = await signedInManager('en-US');
      await page.goto(`${server.url}/execution-tables/${table.id}`);
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid=export]').click()]);
      const workbook = XLSX.read(readFileSync((await download.path())!), { cellDates: true });
      const sheet = workbook.Sheets['Execution table']!;
      const header = XLSX.utils.sheet_to_json<string[]>(sheet, { header: 1 })[1]!;
      const statusColumn = XLSX.utils.encode_col(header.indexOf('Status'));
      const phaseColumn = XLSX.utils.encode_col(header.indexOf('Phase'));

      // Header in row 2: a row at position p is on sheet row p + 2.
      const target = table.rows.find((row) => row.status !== 'done')!;
      sheet[`${statusColumn}${target.position + 2}`] = { t: 's', v: 'Done' };
      const good = Buffer.from(XLSX.write(workbook, { type: 'buffer', bookType: 'xlsx' }) as Uint8Array);
      await page.locator('details.import summary').click();
      await page.setInputFiles('#i-file', { name: 'plan.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: good });
      await Promise.all([page.waitForURL(/\/import\/[0-9a-f]+$/), page.getByRole('button', { name: 'Check and preview' }).click()]);
      expect(await page.locator('[data-testid=import-summary]').textContent()).toContain('changes 1');
      expect(await page.locator('[data-testid=import-changed]').textContent()).toMatch(/Status: .+ → Done/);
      // labelled by the table's number and by the workbook's line
      expect(await page.locator('[data-testid=import-changed] > li > strong').textContent()).toBe(`#${target.position} ${target.phase}`);
      expect(await page.locator('[data-testid=import-changed]').textContent()).toContain(`(sheet line ${target.position + 2})`);
      await page.screenshot({ path: fileURLToPath(new URL('execution-import-preview-en.png', SCREENSHOTS)), fullPage: true });
      expect((await server.app.executionTables.row(table.id, target.id)).status).toBe(target.status);
      await Promise.all([page.waitForURL(new RegExp(`/execution-tables/${table.id}$`)), page.getByRole('button', { name: 'Apply these changes' }).click()]);
      expect(await page.locator('.flash-success').textContent()).toContain('1 changed');
      expect((await server.app.executionTables.row(table.id, target.id)).status).toBe('done');

      sheet[`${statusColumn}4`] = { t: 's', v: 'Finished' };
      sheet[`${phaseColumn}5`] = { t: 's', v: '' };
      const bad = Buffer.from(XLSX.write(workbook, { type: 'buffer', bookType: 'xlsx' }) as Uint8Array);
      await page.locator('details.import summary').click();
      await page.setInputFiles('#i-file', { name: 'plan.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: bad });
      await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Check and preview' }).click()]);
      const problems = page.locator('[data-testid=import-problems] tbody tr');
      await problems.first().waitFor();
      const listed = await problems.allTextContents();
      expect(listed.some((line) => line.includes('4') && line.includes('Status'))).toBe(true);
      // the problem as the catalog says it, not the API's message
      expect(listed.some((line) => line.includes('“Finished” is not a status: use one of Not started'))).toBe(true);
      expect(listed.some((line) => line.includes('5') && line.includes('Phase'))).toBe(true);
      expect((await server.app.executionTables.get(table.id)).rows[2]!.status).toBe(table.rows[2]!.status);
      await page.screenshot({ path: fileURLToPath(new URL('execution-import-refused-en.png', SCREENSHOTS)), fullPage: true });
    },
    SLOW,
  );

  test(
    'at 1366×900 the grid fits: no page-wide scrollbar, every row’s Save in the viewport, one line per row, saved from the keyboard; on a phone each row is a card',
    async () => {
      const table = await server.app.executionTables.create(
        { name: 'Fitting plan', startDate: '2026-01-05', template: 'six-step-method', locale: 'en' },
        PEOPLE.manager.email,
      );
      const page = await signedInManager('en-US', { width: 1366, height: 900 });
      await page.goto(`${server.url}/execution-tables/${table.id}`);
      const widths = () => page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
      const wide = await widths();
      expect(wide.scroll).toBeLessThanOrEqual(wide.inner);

      // Every row's Save is where the browser shows it without scrolling sideways (rows below the grid's
      // own box scroll up and down, which does not move them sideways).
      const saves = page.locator('tbody tr[id^=row-] [data-testid=save]');
      const count = await saves.count();
      expect(count).toBe(table.rows.length);
      for (let i = 0; i < count; i++) {
        const box = (await saves.nth(i).boundingBox())!;
        expect(box.x).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width).toBeLessThanOrEqual(wide.inner);
      }
      const heights = await page.locator('tbody tr[id^=row-]').evaluateAll((rows) => rows.map((row) => row.getBoundingClientRect().height));
      expect(Math.max(...heights)).toBeLessThan(48);

      // A text cell shows its whole text while it has focus.
      const actions = page.locator('[data-testid=row-1] textarea[name=actions]');
      const closed = (await actions.boundingBox())!.height;
      await actions.focus();
      expect((await actions.boundingBox())!.height).toBeGreaterThan(closed);
      await page.screenshot({ path: fileURLToPath(new URL('execution-table-1366-en.png', SCREENSHOTS)) });

      // The sticky first columns stay put while the grid scrolls sideways.
      const phase = page.locator('[data-testid=row-1] input[name=phase]');
      const before = (await phase.boundingBox())!.x;
      await page.locator('[data-testid=grid]').evaluate((grid) => (grid.scrollLeft = 600));
      expect((await phase.boundingBox())!.x).toBeCloseTo(before, 0);
      await page.screenshot({ path: fileURLToPath(new URL('execution-table-1366-scrolled-en.png', SCREENSHOTS)) });

      // Keyboard: Enter in a row's field saves that row; Ctrl+Enter in a text cell too.
      const second = table.rows[1]!;
      await page.fill('[data-testid=row-2] input[name=phase]', 'Renamed from the keyboard');
      await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.press('[data-testid=row-2] input[name=phase]', 'Enter')]);
      await page.waitForSelector('.flash-success');
      expect((await server.app.executionTables.row(table.id, second.id)).phase).toBe('Renamed from the keyboard');
      await page.fill('[data-testid=row-2] textarea[name=notes]', 'line one\nline two');
      await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST'),
        page.press('[data-testid=row-2] textarea[name=notes]', 'Control+Enter'),
      ]);
      await page.waitForSelector('.flash-success');
      // (a form sends its line breaks as CRLF)
      expect((await server.app.executionTables.row(table.id, second.id)).notes.replace(/\r\n/g, '\n')).toBe('line one\nline two');

      // On a phone (390×844) each row is a card to read: the page never scrolls sideways, and every row's
      // phase, owner and status are in view, long unbroken text (as people paste it) included.
      const first = table.rows[0]!;
      await server.app.executionTables.updateRow(
        table.id,
        first.id,
        { owner: 'customer-service-quality-assurance-team-lead@example.com', phase: 'Diagnose'.repeat(12), blockers: 'x'.repeat(300) },
        PEOPLE.manager.email,
      );
      await page.setViewportSize({ width: 390, height: 844 });
      await page.reload();
      const phone = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, body: document.body.scrollWidth, inner: window.innerWidth }));
      expect(phone.scroll).toBeLessThanOrEqual(phone.inner);
      expect(phone.body).toBeLessThanOrEqual(phone.inner);
      expect(await page.locator('[data-testid=grid]').isVisible()).toBe(false);
      const rows = (await server.app.executionTables.get(table.id)).rows;
      const cards = page.locator('[data-testid=cards] > li');
      expect(await cards.count()).toBe(rows.length);
      for (const [i, row] of rows.entries()) {
        const shown = { 'card-phase': row.phase, 'card-owner': row.owner || '—', 'card-status': statusWords[row.status] };
        for (const [part, text] of Object.entries(shown)) {
          const element = cards.nth(i).locator(`[data-testid=${part}]`);
          expect(await element.isVisible()).toBe(true);
          const box = (await element.boundingBox())!;
          expect(box.x).toBeGreaterThanOrEqual(0);
          expect(box.x + box.width).toBeLessThanOrEqual(phone.inner);
          expect((await element.textContent())!.trim()).toBe(text);
        }
      }
      await cards.first().evaluate((card) => card.scrollIntoView());
      await page.screenshot({ path: fileURLToPath(new URL('execution-table-390-en.png', SCREENSHOTS)) });
    },
    SLOW,
  );

  test(
    'a row added with the end before the start shows the error next to the end field, with what was typed kept (中文)',
    async () => {
      const table = await server.app.executionTables.create(
        { name: '错误提示', startDate: '2026-01-05', template: 'six-step-method', locale: 'zh-CN' },
        PEOPLE.manager.email,
      );
      const page = await signedInManager('zh-CN', { width: 1366, height: 900 });
      await page.goto(`${server.url}/execution-tables/${table.id}`);
      await page.locator('details.add-row summary').click();
      await page.fill('#n-phase', '复盘');
      await page.fill('#n-owner', '数据分析师');
      await page.fill('#n-start', '2026-03-02');
      await page.fill('#n-end', '2026-02-23');
      await Promise.all([page.waitForLoadState('load'), page.locator('details.add-row button[type=submit]').click()]);
      const error = page.locator('#n-end-error');
      await error.waitFor();
      expect(await error.textContent()).toBe('2026-02-23 早于开始日期 2026-03-02');
      // next to its field: right below it, and the field is the one focused
      const end = (await page.locator('#n-end').boundingBox())!;
      const box = (await error.boundingBox())!;
      expect(box.y).toBeGreaterThanOrEqual(end.y + end.height - 1);
      expect(box.y).toBeLessThan(end.y + end.height + 24);
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('n-end');
      expect(await page.locator('#n-end').getAttribute('aria-invalid')).toBe('true');
      expect(await page.inputValue('#n-phase')).toBe('复盘');
      expect(await page.inputValue('#n-owner')).toBe('数据分析师');
      expect(await page.inputValue('#n-start')).toBe('2026-03-02');
      expect(await page.inputValue('#n-end')).toBe('2026-02-23');
      expect((await server.app.executionTables.get(table.id)).rows).toHaveLength(table.rows.length);
      await error.scrollIntoViewIfNeeded();
      await page.screenshot({ path: fileURLToPath(new URL('execution-table-add-row-error-zh.png', SCREENSHOTS)) });

      // Corrected, it is added.
      await page.fill('#n-end', '2026-03-08');
      await Promise.all([page.waitForLoadState('load'), page.locator('details.add-row button[type=submit]').click()]);
      await page.waitForSelector('.flash-success');
      expect((await server.app.executionTables.get(table.id)).rows).toHaveLength(table.rows.length + 1);
    },
    SLOW,
  );

  test(
    'with JavaScript a changed row saves itself and says so; a refused change says which field and writes nothing',
    async () => {
      const table = await server.app.executionTables.create(
        { name: 'Autosave plan', startDate: '2026-01-05', template: 'six-step-method', locale: 'en' },
        PEOPLE.manager.email,
      );
      const page = await signedInManager('en-US', { width: 1366, height: 900 });
      await page.goto(`${server.url}/execution-tables/${table.id}`);
      const row = table.rows[2]!;
      const tr = page.locator(`[data-testid=row-${row.position}]`);
      const state = tr.locator('[data-testid=save-state]');
      const next = row.status === 'done' ? 'in_progress' : 'done';
      await tr.locator('select[name=status]').selectOption(next);
      await page.waitForFunction((el) => el?.getAttribute('data-state') === 'saved', await state.elementHandle());
      expect(await state.textContent()).toBe('Saved');
      expect((await server.app.executionTables.row(table.id, row.id)).status).toBe(next);
      await tr.locator('textarea[name=blockers]').fill('Waiting for the new dashboard');
      await tr.locator('textarea[name=blockers]').blur();
      await waitFor(async () => (await server.app.executionTables.row(table.id, row.id)).blockers === 'Waiting for the new dashboard', {
        what: 'the blockers saved by themselves',
      });
      await page.waitForFunction((el) => el?.getAttribute('data-state') === 'saved', await state.elementHandle());

      // The end before the start: refused by the service, the row says which field, nothing is written.
      await tr.locator('input[name=endDate]').fill('2025-12-01');
      await tr.locator('input[name=endDate]').dispatchEvent('change');
      await page.waitForFunction((el) => el?.getAttribute('data-state') === 'failed', await state.elementHandle());
      expect(await state.textContent()).toBe('Not saved: End');
      expect(await tr.locator('input[name=endDate]').getAttribute('aria-invalid')).toBe('true');
      expect((await server.app.executionTables.row(table.id, row.id)).endDate).toBe(row.endDate);
      await page.screenshot({ path: fileURLToPath(new URL('execution-table-autosave-en.png', SCREENSHOTS)) });
    },
    SLOW,
  );
});

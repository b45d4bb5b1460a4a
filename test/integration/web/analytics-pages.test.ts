import * as XLSX from 'xlsx';
import { DRILL_KPIS } from '../../../server/services/analytics/metrics-model.js';
import { createI18n, LOCALES_DIR } from '../../../server/shared/i18n.js';
import { eachDatabase } from '../../helpers/databases.js';
import { SHARED_DEMO } from '../../helpers/sopflow.js';
import { PEOPLE, startTestServer, type TestServer } from '../../helpers/web-server.js';
import { decode, FormClient, testId } from './support/form-client.js';

/** Big enough that every KPI, breach, escalation and reopening shows up; over three weeks, with a password. */
const DEMO = SHARED_DEMO;
const DEMO_SETUP_MS = 180_000;
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The links of a piece of HTML to one path, with their text: `[{ href, text }]`. */
function linksTo(html: string, path: string): Array<{ href: string; text: string }> {
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return [...html.matchAll(new RegExp(`<a (?:[^>]* )?href="(${escaped}[^"]*)"[^>]*>([^<]*)</a>`, 'g'))].map((m) => ({
    href: decode(m[1]!),
    text: decode(m[2]!),
  }));
}

/** The part of a page between an element carrying `data-testid="id"` and the end of that element's list or table. */
function section(html: string, id: string, end = '</section>'): string {
  const start = html.indexOf(`data-testid="${id}"`);
  expect(start).toBeGreaterThan(-1);
  return html.slice(start, html.indexOf(end, start));
}

/** Data rows of the table `data-testid="table-<id>"` on a page. */
function tableRows(html: string, id: string): string[][] {
  if (html.includes(`data-testid="empty-${id}"`)) return [];
  const table = section(html, `table-${id}`, '</table>');
  const body = table.slice(table.indexOf('<tbody>'));
  return [...body.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((row) =>
    [...row[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => decode(c[1]!.replace(/<[^>]+>/g, ''))),
  );
}

/** The first sheet of a workbook as rows of cells (title row, header row, data rows). */
function sheetRows(data: Buffer): unknown[][] {
  const workbook = XLSX.read(data);
  return XLSX.utils.sheet_to_json(workbook.Sheets[workbook.SheetNames[0]!]!, { header: 1, blankrows: false });
}

const number = (text: string) => Number(text.replace(/[,\s]/g, ''));

eachDatabase(
  'pages: analytics',
  (database) => {
    let server: TestServer;
    /** The demo's server and a manager signed in there, made once: these tests only read. */
    let manager: FormClient | undefined;
    afterAll(() => server?.close());
    // The demo's one run, when this file is the first to ask, takes longer than a test's 30 s on a busy machine.
    beforeAll(() => withDemo(), DEMO_SETUP_MS);

    async function withDemo(): Promise<FormClient> {
      if (!manager) {
        server = await startTestServer(database(), { demo: DEMO });
        manager = await FormClient.signedIn(server.url, PEOPLE.manager);
      }
      return manager;
    }

    /** Every ticket id a drill-down lists, page after page, and the total it states. */
    async function drill(client: FormClient, href: string): Promise<{ total: number; ids: number[] }> {
      const first = await client.get(href);
      expect(first.status).toBe(200);
      const total = Number(/data-total="(\d+)"/.exec(first.html)![1]);
      const ids: number[] = [];
      let page: string | undefined = total > 0 ? href : undefined;
      if (!page) expect(first.html).toContain('data-testid="empty-tickets"');
      while (page) {
        const { html } = await client.get(page);
        ids.push(...linksTo(section(html, 'table-tickets', '</table>'), '/tickets/').map((l) => Number(l.href.slice('/tickets/'.length))));
        page = /<a href="([^"]+)" rel="next">/.exec(html)?.[1];
        if (page) page = decode(page);
      }
      return { total, ids };
    }

    test('the dashboard: every number links to exactly the tickets behind it; every table exports to a workbook of the same rows', async () => {
      const manager = await withDemo();
      const page = await manager.get('/analytics/customer-inquiry');
      expect(page.status).toBe(200);

      // the tiles: each linked number is the drill-down's count, and the drill-down lists that many tickets once each
      const tiles = section(page.html, 'kpi-tiles', '</ul>');
      const links = linksTo(tiles, '/analytics/customer-inquiry/tickets?');
      expect(links.length).toBeGreaterThanOrEqual(10);
      const tickets = links.find((l) => l.href.includes('kpi=tickets'))!;
      expect(number(tickets.text)).toBeGreaterThan(20);
      for (const link of links) {
        const { total, ids } = await drill(manager, link.href);
        expect({ link: link.href, total }).toEqual({ link: link.href, total: number(link.text) });
        expect(new Set(ids).size).toBe(total);
      }
      // the same count as the tickets of that workflow the runtime created in the period
      const created = await server.app.db.knex('tickets').where({ workflow_key: 'customer-inquiry' }).count({ n: '*' });
      expect(number(tickets.text)).toBe(Number(created[0]!.n));

      // a week's bar of a count leads to that week's tickets, as many as the bar says (the engine's weeks and the pages' days agree)
      const weeks = section(page.html, 'chart-tickets', '</figure>');
      const bars = [...weeks.matchAll(/<a href="([^"]+)"><rect class="chart-bar"[^>]*><title>[^:]*: ([^<]+)<\/title>/g)];
      expect(bars.length).toBeGreaterThanOrEqual(3);
      for (const [, href, value] of bars) expect((await drill(manager, decode(href!))).total).toBe(number(value!));
      expect(bars.reduce((sum, bar) => sum + number(bar[2]!), 0)).toBe(number(tickets.text));

      // a chart per figure, each an accessible SVG; the heatmap's data names the diagram's steps
      expect((page.html.match(/<svg [^>]*role="img"/g) ?? []).length).toBe(16);
      const steps = JSON.parse(decode(/data-steps="([^"]*)"/.exec(page.html)![1]!)) as Array<{ id: string; band: string }>;
      const workflow = (await server.app.workflows.latest('customer-inquiry')).workflow;
      expect(steps.length).toBeGreaterThan(3);
      for (const step of steps) expect(workflow.steps[step.id]).toBeDefined();
      expect(page.html).toContain('data-bpmn-url="/api/workflows/customer-inquiry/versions/');

      // every table's workbook holds the table's rows, under a title and a header
      const exports = linksTo(page.html, '/analytics/customer-inquiry/export/');
      expect(exports.map((l) => /export\/([a-z-]+)\.xlsx/.exec(l.href)![1]).sort()).toEqual(
        ['bottlenecks-breaches', 'bottlenecks-waiting', 'figures', 'rework', 'steps', 'variants', 'weekly'].sort(),
      );
      for (const link of exports) {
        const file = await manager.download(link.href);
        expect({ link: link.href, status: file.status, type: file.headers.get('content-type') }).toEqual({ link: link.href, status: 200, type: XLSX_TYPE });
        const rows = sheetRows(file.data);
        const id = /export\/([a-z-]+)\.xlsx/.exec(link.href)![1]!;
        if (id === 'figures') expect(rows.length - 2).toBe(16);
        else if (id === 'weekly') expect(rows.length - 2).toBeGreaterThanOrEqual(3);
        else expect({ id, rows: rows.length - 2 }).toEqual({ id, rows: tableRows(page.html, id).length });
      }
      // the figures' workbook stores each figure as its kind: a count, a duration (days, as Excel counts time), a share
      const figures = XLSX.read((await manager.download(exports.find((l) => l.href.includes('/figures.xlsx'))!.href)).data, { cellNF: true });
      const figureSheet = figures.Sheets[figures.SheetNames[0]!]!;
      // rows 3, 4 and 8: tickets, first response, FCR
      expect(['B3', 'B4', 'B8'].map((ref) => figureSheet[ref]?.z)).toEqual(['#,##0', '[h]:mm', '0.0%']);
      expect(figureSheet.B4.v).toBeLessThan(1);
      expect(figureSheet.B8.v).toBeLessThanOrEqual(1);
      // the steps' workbook holds the page's numbers as numbers: visits per step
      const stepsBook = sheetRows((await manager.download(exports.find((l) => l.href.includes('/steps.xlsx'))!.href)).data);
      expect(stepsBook.slice(2).map((row) => row[1])).toEqual(tableRows(page.html, 'steps').map((row) => number(row[1]!)));

      // the drill-down's workbook: one row per ticket behind the number, all of them
      const all = await drill(manager, tickets.href);
      const book = await manager.download(`/analytics/customer-inquiry/tickets.xlsx?kpi=tickets`);
      const bookRows = sheetRows(book.data).slice(2);
      expect(bookRows.map((row) => row[0]).sort()).toEqual([...all.ids].sort());
      // the same ticket is created at the same time in the page's workbook and in the API's (one zone for what people read)
      const apiRows = sheetRows((await manager.download('/api/metrics/tickets.xlsx?workflow=customer-inquiry')).data).slice(2);
      const apiCreated = new Map(apiRows.map((row) => [row[0], row[6]]));
      const shared = bookRows.filter((row) => apiCreated.has(row[0]));
      expect(shared.length).toBeGreaterThan(0);
      for (const row of shared) expect([row[0], row[1]]).toEqual([row[0], apiCreated.get(row[0])]);
    });

    test('filters narrow every figure and link; a malformed filter is shown beside its field (400)', async () => {
      const manager = await withDemo();
      const all = await manager.get('/analytics/customer-inquiry');
      const chat = await manager.get('/analytics/customer-inquiry?channel=chat');
      const count = (html: string) => number(testId(html, 'kpi-tickets')!);
      expect(count(chat.html)).toBeLessThan(count(all.html));
      expect(count(chat.html)).toBeGreaterThan(0);
      const link = linksTo(section(chat.html, 'kpi-tiles', '</ul>'), '/analytics/customer-inquiry/tickets?').find((l) => l.href.includes('kpi=tickets'))!;
      expect(link.href).toContain('channel=chat');
      expect((await drill(manager, link.href)).total).toBe(count(chat.html));
      const rows = await server.app.db.knex('tickets').where({ workflow_key: 'customer-inquiry', channel: 'chat' }).count({ n: '*' });
      expect(count(chat.html)).toBe(Number(rows[0]!.n));

      const refused = await manager.get('/analytics/customer-inquiry?from=2026-13-01&to=2026-01-01&version=99');
      expect(refused.status).toBe(400);
      expect(testId(refused.html, 'error-from')).toContain('2026-13-01');
      expect(testId(refused.html, 'error-version')).toContain('99');
      const backwards = await manager.get('/analytics/customer-inquiry?from=2026-11-20&to=2026-11-01');
      expect(backwards.status).toBe(400);
      expect(testId(backwards.html, 'error-to')).toBeDefined();
      const twice = await manager.get('/analytics/customer-inquiry?channel=chat&channel=email');
      expect(twice.status).toBe(400);
      expect(testId(twice.html, 'error-channel')).toBeDefined();
      expect((await manager.get('/analytics/no-such-workflow')).status).toBe(404);
      const nonsense = await manager.get('/analytics/customer-inquiry/tickets?kpi=nonsense');
      expect(nonsense.status).toBe(400);
      // the error page names what was refused
      expect(/data-testid="problems">[\s\S]*<code>kpi<\/code>/.test(nonsense.html)).toBe(true);
      // in the reader's language: the problem's catalog sentence, not the service's English
      const chinese = await FormClient.signedIn(server.url, PEOPLE.manager, 'zh-CN');
      const refusedInChinese = await chinese.get('/analytics/customer-inquiry/tickets?kpi=nonsense');
      expect(refusedInChinese.status).toBe(400);
      const listed = /data-testid="problems">([\s\S]*?)<\/ul>/.exec(refusedInChinese.html)?.[1] ?? '';
      const zh = createI18n(LOCALES_DIR).formatter('zh-CN');
      expect(decode(listed)).toContain(zh.t('problems.notOneOf', { value: 'nonsense', allowed: DRILL_KPIS.join(', ') }));
      expect(listed).not.toContain('must be one of');
    });

    test('the workflow list shows each workflow’s headline figures, linked; the compare page shows the change with its interval and verdict', async () => {
      const manager = await withDemo();
      const list = await manager.get('/analytics');
      expect(list.status).toBe(200);
      for (const key of ['customer-inquiry', 'complaint-handling', 'email-support', 'phone-service', 'standard-service']) {
        expect(list.html).toContain(`href="/analytics/${key}"`);
        expect(list.html).toContain(`href="/analytics/${key}/compare"`);
      }
      const headline = linksTo(list.html, '/analytics/phone-service/tickets?')[0]!;
      expect((await drill(manager, headline.href)).total).toBe(number(headline.text));

      // two periods: the two halves of the demo, before and after its simulated improvement
      const compare = await manager.get('/analytics/phone-service/compare?a.from=2026-11-02&a.to=2026-11-12&b.from=2026-11-13&b.to=2026-11-23');
      expect(compare.status).toBe(200);
      const rows = tableRows(compare.html, 'compare');
      expect(rows.length).toBeGreaterThan(5);
      const verdicts = new Set(rows.map((row) => row[8]));
      for (const verdict of verdicts) expect(['Better', 'Worse', 'No evidence of a change']).toContain(verdict);
      // sample sizes: the tickets of each side, as the dashboard counts them over the same period
      const a = await manager.get('/analytics/phone-service?from=2026-11-02&to=2026-11-12');
      const answered = rows.find((row) => row[0] === 'First response time (mean)')!;
      expect(number(answered[2]!)).toBe(number(/data-part="part">([^<]*)</.exec(section(a.html, 'kpi-counts-firstResponse', '</p>'))![1]!));
      // its median is compared too, on as many tickets
      expect(rows.find((row) => row[0] === 'First response time (median)')![2]).toBe(answered[2]);
      // the method of every interval is named in a footnote the rows point at: Welch for means, the bootstrap for medians
      const methods = section(compare.html, 'compare-methods', '</ol>');
      expect(methods).toMatch(/Welch/);
      expect(methods).toMatch(/bootstrap/);
      expect(new Set(rows.map((row) => row[9]))).toEqual(new Set(['1', '2', '3']));
      expect(compare.html).toContain('excludes 0');
      const book = sheetRows(
        (await manager.download('/analytics/phone-service/compare.xlsx?a.from=2026-11-02&a.to=2026-11-12&b.from=2026-11-13&b.to=2026-11-23')).data,
      );
      expect(book.length - 2).toBe(rows.length);

      // in Chinese, with its refusal of a malformed side named at its field
      const chinese = await FormClient.signedIn(server.url, PEOPLE.manager, 'zh-CN');
      expect((await chinese.get('/analytics/phone-service/compare')).html).toContain('改进前后对比');
      const refused = await chinese.get('/analytics/phone-service/compare?b.from=nonsense');
      expect(refused.status).toBe(400);
      expect(testId(refused.html, 'error-b.from')).toContain('nonsense');
    });

    test('agents see their own figures against the team and nobody else’s; managers see every agent', async () => {
      const manager = await withDemo();
      const list = await manager.get('/agents');
      expect(list.status).toBe(200);
      const agents = linksTo(section(list.html, 'table-agents', '</table>'), '/agents/');
      expect(agents.length).toBeGreaterThan(3);
      const listed = tableRows(list.html, 'agents');
      expect(listed.at(-1)![0]).toBe('Team');

      // an agent of the demo signs in and opens their own page
      const liNa = await server.app.users.byEmail('li.na@demo');
      const agent = await FormClient.signedIn(server.url, { email: 'li.na@demo', password: DEMO.password });
      const me = await agent.get('/agents/me');
      expect(me.status).toBe(200);
      expect(testId(me.html, 'agent-name')).toBe(liNa.name);
      const figures = tableRows(me.html, 'agent-figures');
      expect(figures.map((row) => row[0])).toEqual([
        'Handled tickets',
        'Average handling time (AHT)',
        'First-contact resolution (FCR)',
        'CSAT (mean)',
        'SLA compliance (tickets)',
        'First response time',
      ]);
      // the handled tickets are listed, as many as the figure says, each linking to its ticket
      const handled = number(figures[0]![1]!);
      expect(handled).toBeGreaterThan(0);
      expect(testId(me.html, 'handled-total')).toContain(String(handled));
      // the manager's list says the same of her
      const row = listed.find((r) => r[0] === liNa.name)!;
      expect(number(row[1]!)).toBe(handled);
      expect((await agent.get(`/agents/${liNa.id}`)).status).toBe(200);
      const exported = sheetRows((await agent.download(`/agents/${liNa.id}/export.xlsx`)).data);
      expect(exported.length - 2).toBe(figures.length);
      // mine, the team's and the difference are numbers Excel can sort, where both sides were measured
      for (const [name, mine, team, difference] of exported.slice(2) as unknown[][])
        if (typeof mine === 'number' && typeof team === 'number') expect([name, typeof difference]).toEqual([name, 'number']);
      const handledBook = sheetRows((await agent.download(`/agents/${liNa.id}/tickets.xlsx`)).data);
      expect(handledBook.length - 2).toBe(handled);
      const handledOnPage = linksTo(section(me.html, 'table-tickets', '</table>'), '/tickets/').map((l) => Number(l.href.slice('/tickets/'.length)));
      expect(handledBook.slice(2).map((row) => row[0])).toEqual(expect.arrayContaining(handledOnPage));

      // another agent's page, the list and analytics are refused to her
      const other = agents.find((a) => a.text !== liNa.name)!;
      expect((await agent.get(other.href)).status).toBe(403);
      expect((await agent.download(`${other.href}/export.xlsx`)).status).toBe(403);
      expect((await agent.get('/agents')).status).toBe(403);
      expect((await agent.get('/analytics/customer-inquiry')).status).toBe(403);
      expect((await agent.download('/analytics/customer-inquiry/export/steps.xlsx')).status).toBe(403);
      // the manager opens anyone's
      expect((await manager.get(other.href)).status).toBe(200);
      expect((await manager.get('/agents/999999')).status).toBe(404);

      // in Chinese
      const chinese = await FormClient.signedIn(server.url, { email: 'li.na@demo', password: DEMO.password }, 'zh-CN');
      expect(tableRows((await chinese.get('/agents/me')).html, 'agent-figures')[0]![0]).toBe('处理工单数');
    });
  },
  { shared: true },
);

eachDatabase('pages: analytics without data', (database) => {
  let server: TestServer;
  afterEach(() => server?.close());

  test('without a session every analytics page sends to sign-in; navigation offers analytics to managers and my figures to agents', async () => {
    server = await startTestServer(database());
    for (const path of ['/analytics', '/analytics/customer-inquiry', '/analytics/customer-inquiry/compare', '/agents', '/agents/me']) {
      const anonymous = await new FormClient(server.url).get(path);
      expect({ path, status: anonymous.status, location: anonymous.location }).toEqual({ path, status: 303, location: `/?next=${encodeURIComponent(path)}` });
    }
    const manager = await FormClient.signedIn(server.url, PEOPLE.manager);
    // no ticket yet: the dashboard says so in every part, and its numbers are zero or a dash
    const empty = await manager.get('/analytics/customer-inquiry');
    expect(empty.status).toBe(200);
    expect(testId(empty.html, 'kpi-tickets')).toBe('0');
    expect(testId(empty.html, 'kpi-fcr')).toBe('—');
    for (const table of ['steps', 'rework', 'variants']) expect(empty.html).toContain(`data-testid="empty-${table}"`);
    const home = await manager.get('/workflows');
    expect(home.html).toContain('href="/analytics"');
    expect(home.html).toContain('href="/analytics/customer-inquiry"');
    expect(home.html).toContain('href="/agents"');
    const agent = await FormClient.signedIn(server.url, PEOPLE.agent);
    const queue = await agent.get('/queue');
    expect(queue.html).toContain('href="/agents/me"');
    expect(queue.html).not.toContain('href="/analytics"');
    // nothing handled yet: the page says so
    const mine = await agent.get('/agents/me');
    expect(mine.status).toBe(200);
    expect(testId(mine.html, 'handled-total')).toBe('0 tickets');
  });

  test('bpmn-js is served from the server itself, only its bundles and assets, under the pages’ strict CSP', async () => {
    server = await startTestServer(database());
    const viewer = await fetch(`${server.url}/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js`);
    expect(viewer.status).toBe(200);
    expect(viewer.headers.get('content-type')).toMatch(/javascript/);
    expect(await viewer.text()).toContain('bpmn-navigated-viewer');
    for (const css of ['diagram-js.css', 'bpmn-js.css']) {
      const sheet = await fetch(`${server.url}/vendor/bpmn-js/assets/${css}`);
      expect({ css, status: sheet.status, type: sheet.headers.get('content-type') }).toEqual({ css, status: 200, type: 'text/css; charset=utf-8' });
    }
    for (const path of ['/vendor/bpmn-js/bpmn-viewer.development.js', '/vendor/bpmn-js/../package.json', '/vendor/bpmn-js/']) {
      expect({ path, status: (await fetch(`${server.url}${path}`)).status }).toEqual({ path, status: 404 });
    }
    const manager = await FormClient.signedIn(server.url, PEOPLE.manager);
    const page = await manager.get('/analytics/customer-inquiry');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.html).not.toMatch(/<script>|<script [^>]*>[^<]+<\/script>|style="/);
    expect(page.html).toContain('<script src="/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js" defer></script>');
  });
});

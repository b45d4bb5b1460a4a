import { eachDatabase } from '../../helpers/databases.js';
import { MANAGER, PEOPLE, startTestServer, type TestServer } from '../../helpers/web-server.js';
import { FormClient, testId } from '../web/support/form-client.js';
import { DAY, openInquiries, opened, rowsBelowHeader } from './support/inquiries.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

eachDatabase('reports over HTTP: the API, the per-ticket export and /reports, by role', (database) => {
  let server: TestServer;
  let admin: string;
  let otherManager: string;
  beforeEach(async () => {
    server = await startTestServer(database(), { workflows: ['customer-inquiry'] });
    admin = (await server.app.users.createToken(PEOPLE.admin.email)).token;
    await server.app.users.add({ email: 'wang.fang@managers.test', role: 'manager' });
    otherManager = (await server.app.users.createToken('wang.fang@managers.test')).token;
  });
  afterEach(() => server.close());

  test('agents may not subscribe, list, download or export; managers subscribe; only the owner or an admin unsubscribes', async () => {
    const { call, tokens } = server;
    for (const [method, path] of [
      ['GET', '/api/reports/subscriptions'],
      ['POST', '/api/reports/subscriptions'],
      ['DELETE', '/api/reports/subscriptions/1'],
      ['GET', '/api/reports'],
      ['GET', '/api/reports/1/download'],
      ['GET', '/api/metrics/tickets.xlsx?from=2026-11-01&to=2026-12-01'],
    ] as const) {
      const answer = await call(method, path, { token: tokens.agent, ...(method === 'POST' ? { json: { frequency: 'daily' } } : {}) });
      expect([path, answer.status, answer.body.error.code]).toEqual([path, 403, 'forbidden']);
      expect((await call(method, path, { token: null })).status).toBe(401);
    }

    const created = await call('POST', '/api/reports/subscriptions', {
      token: tokens.manager,
      json: { workflow: 'customer-inquiry', frequency: 'weekly', locale: 'en' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ owner: MANAGER, workflow: 'customer-inquiry', frequency: 'weekly', timeZone: 'Asia/Shanghai', locale: 'en' });
    const refused = await call('POST', '/api/reports/subscriptions', {
      token: tokens.manager,
      json: { workflow: 'nope', frequency: 'daily', timeZone: 'Mars/Olympus' },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details.map((p: { field: string }) => p.field).sort()).toEqual(['timeZone', 'workflow']);
    expect((await call('POST', '/api/reports/subscriptions', { token: tokens.manager, json: { frequency: 'hourly' } })).status).toBe(400);

    const listed = await call('GET', '/api/reports/subscriptions', { token: otherManager });
    expect(listed.body.items.map((s: { id: number }) => s.id)).toEqual([created.body.id]);
    const notTheirs = await call('DELETE', `/api/reports/subscriptions/${created.body.id}`, { token: otherManager });
    expect([notTheirs.status, notTheirs.body.error.code]).toEqual([403, 'forbidden']);
    expect((await call('DELETE', `/api/reports/subscriptions/${created.body.id}`, { token: admin })).status).toBe(204);
    expect((await call('DELETE', `/api/reports/subscriptions/${created.body.id}`, { token: admin })).status).toBe(404);
    expect((await call('GET', '/api/reports/99/download', { token: tokens.manager })).status).toBe(404);
  });

  test('a report made is listed and downloads as the workbook; the per-ticket export has one row per ticket of the filter', async () => {
    const { app, call, tokens, url } = server;
    await call('POST', '/api/reports/subscriptions', { token: tokens.manager, json: { workflow: 'customer-inquiry', frequency: 'daily', locale: 'en' } });
    await openInquiries(app, 9);
    app.clock.advance(DAY);
    expect((await app.reports.runDue()).made).toBe(1);

    const list = await call('GET', '/api/reports?limit=10', { token: tokens.manager });
    expect(list.status).toBe(200);
    const [report] = list.body.items;
    expect(report).toMatchObject({ workflow: 'customer-inquiry', frequency: 'daily', tickets: 9, download: `/api/reports/${report.id}/download` });
    const download = await fetch(url + report.download, { headers: { authorization: `Bearer ${tokens.manager}` } });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe(XLSX);
    expect(download.headers.get('content-disposition')).toContain(`${report.period.label}.xlsx`);
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(bytes.length).toBe(report.sizeBytes);
    const workbook = await opened(bytes);
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual(['KPIs', 'Bottlenecks', 'Tickets']);

    // The per-ticket export of the same filter, of narrower ones, and of the tickets behind one number (a
    // drill-down): one row per ticket the engine counts.
    const { from, to } = report.period;
    const base = { workflow: 'customer-inquiry', from, to };
    for (const [filter, query] of [
      ['', base],
      ['&channel=chat', { ...base, channel: 'chat' }],
      ['&vip=true', { ...base, vip: true }],
      ['&kpi=firstResponse', { ...base, kpi: 'firstResponse' as const }],
    ] as const) {
      const expected = (await app.analytics.tickets({ ...query, limit: 1 })).total;
      const period = `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`;
      const exported = await fetch(`${url}/api/metrics/tickets.xlsx?workflow=customer-inquiry&${period}${filter}&lang=en`, {
        headers: { authorization: `Bearer ${tokens.manager}` },
      });
      expect(exported.headers.get('content-type')).toBe(XLSX);
      const rows = rowsBelowHeader((await opened(Buffer.from(await exported.arrayBuffer()))).getWorksheet('Tickets')!);
      expect([filter, rows.length]).toEqual([filter, expected]);
    }
    expect((await app.analytics.metrics(base)).kpis.tickets).toBe(9);
    expect((await app.analytics.tickets({ ...base, kpi: 'firstResponse', limit: 1 })).total).toBe(6);
    const bad = await call('GET', '/api/metrics/tickets.xlsx?from=2026-02-30&to=2026-12-01', { token: tokens.manager });
    expect([bad.status, bad.body.error.details[0].field]).toEqual([400, 'from']);

    const paths = Object.keys((await call('GET', '/api/openapi.json', { token: null })).body.paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/reports/subscriptions',
        '/api/reports/subscriptions/{id}',
        '/api/reports',
        '/api/reports/{id}/download',
        '/api/metrics/tickets.xlsx',
      ]),
    );
  });

  test('/reports: managers subscribe and unsubscribe with the page’s CSRF token, in either language; agents get a 403 page', async () => {
    const { app } = server;
    const zh = await FormClient.signedIn(server.url, PEOPLE.manager, 'zh-CN');
    const page = await zh.get('/reports');
    expect(page.status).toBe(200);
    expect(page.html).toContain('<h1>定期报表</h1>');
    expect(page.html).toContain('还没有订阅。');
    expect(
      (
        await zh.post(
          '/reports/subscriptions',
          { workflow: 'customer-inquiry', frequency: 'monthly', timeZone: 'Asia/Shanghai', locale: 'zh-CN' },
          { csrf: false },
        )
      ).status,
    ).toBe(403);
    const refused = await zh.post('/reports/subscriptions', { workflow: '', frequency: 'monthly', timeZone: 'Nowhere/City', locale: 'zh-CN' });
    expect(refused.status).toBe(400);
    expect(testId(refused.html, 'subscribe-problems')).toBe('时区: “Nowhere/City”不是有效的时区，请使用 IANA 名称，例如 Asia/Shanghai');
    const done = await zh.post('/reports/subscriptions', { workflow: 'customer-inquiry', frequency: 'monthly', timeZone: 'Asia/Shanghai', locale: 'zh-CN' });
    expect([done.status, done.location]).toEqual([303, '/reports']);
    const [subscription] = await app.reports.subscriptions();
    expect(subscription).toMatchObject({ owner: MANAGER, frequency: 'monthly', workflow: 'customer-inquiry', nextRunAt: Date.parse('2026-11-30T16:00:00Z') });
    const listed = await zh.get('/reports');
    const row = new RegExp(`<tr data-testid="subscription-${subscription!.id}">([\\s\\S]*?)</tr>`).exec(listed.html)![1]!;
    expect(
      row
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
    ).toMatch(/^客户咨询处理 Customer inquiry 月报 Asia\/Shanghai 简体中文 chen\.jie@managers\.test /);

    const en = await FormClient.signedIn(server.url, PEOPLE.manager, 'en');
    const english = await en.get('/reports');
    expect(english.html).toContain('<h1>Scheduled reports</h1>');
    expect(english.html).toContain('Monthly');
    const gone = await en.post(`/reports/subscriptions/${subscription!.id}/delete`, {});
    expect(gone.status).toBe(303);
    expect(await app.reports.subscriptions()).toEqual([]);

    const agent = await FormClient.signedIn(server.url, PEOPLE.agent, 'en');
    expect((await agent.get('/reports')).status).toBe(403);
  });
});

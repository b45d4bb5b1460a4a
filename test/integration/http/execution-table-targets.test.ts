import ExcelJS from 'exceljs';
import { eachDatabase } from '../../helpers/databases.js';
import { PEOPLE, startTestServer, type TestServer } from '../../helpers/web-server.js';
import { openInquiries } from '../reports/support/inquiries.js';
import { FormClient, testId } from '../web/support/form-client.js';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const MINUTE = 60_000;

eachDatabase('execution-table KPI targets: measured by the metric engine, flagged when missed, round-tripped through Excel', (database) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(database(), { workflows: ['customer-inquiry', 'email-support'] });
  });
  afterEach(() => server.close());

  const asManager = (method: string, path: string, json?: unknown) => server.asManager(method, path, json);

  /** A project on customer-inquiry whose one row has `kpi` as its target, after a day of inquiries. */
  async function projectWith(kpi: Record<string, unknown>) {
    await openInquiries(server.app, 12);
    server.app.clock.advance(10 * MINUTE);
    const table = (await asManager('POST', '/api/execution-tables', { name: 'Faster answers', startDate: '2026-11-02', workflows: ['customer-inquiry'] })).body;
    const row = await asManager('POST', `/api/execution-tables/${table.id}/rows`, {
      phase: '首次响应提速',
      owner: PEOPLE.manager.email,
      status: 'in_progress',
      kpi,
    });
    expect(row.status).toBe(201);
    return { table, row: row.body };
  }

  async function upload(id: number, data: Buffer, preview = false) {
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(data)], { type: XLSX_TYPE }), 'plan.xlsx');
    const response = await fetch(`${server.url}/api/execution-tables/${id}/import${preview ? '?preview=true' : ''}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.tokens.manager}` },
      body: form,
    });
    return { status: response.status, body: (await response.json()) as any };
  }

  test('a project optimizes workflows SOPflow has: an unknown key is refused naming its place, and nothing is created', async () => {
    const before = (await asManager('GET', '/api/execution-tables')).body.items.length;
    const refused = await asManager('POST', '/api/execution-tables', { name: 'Typo', startDate: '2026-11-02', workflows: ['customer-inquiry', 'nope'] });
    expect([refused.status, refused.body.error.code]).toEqual([400, 'validation_failed']);
    expect(refused.body.error.details).toEqual([expect.objectContaining({ field: 'workflows[1]', code: 'workflowUnknown' })]);
    expect((await asManager('GET', '/api/execution-tables')).body.items).toHaveLength(before);
  });

  test('a target’s measured value is the metric engine’s figure over its window; met is the comparison', async () => {
    const { table } = await projectWith({ metric: 'first_response_time', comparison: 'lte', target: 15 });
    const read = (await asManager('GET', `/api/execution-tables/${table.id}`)).body;
    const measured = read.rows[0].measured;
    expect(measured).toMatchObject({ workflow: 'customer-inquiry', to: server.app.clock.now(), from: server.app.clock.now() - 28 * 86_400_000 });
    const figures = await server.app.analytics.metrics({ workflow: 'customer-inquiry', from: measured.from, to: measured.to });
    expect(figures.kpis.firstResponseMs.n).toBe(8);
    expect(measured.value).toBe(figures.kpis.firstResponseMs.mean! / MINUTE);
    expect(measured.n).toBe(figures.kpis.firstResponseMs.n);
    expect(measured.met).toBe(measured.value <= 15);

    // A target on another workflow measures that one; a share in percent.
    const fcr = await asManager('PATCH', `/api/execution-tables/${table.id}/rows/${read.rows[0].id}`, {
      kpi: { metric: 'sla_compliance', comparison: 'gte', target: 95, workflow: 'email-support' },
    });
    const email = await server.app.analytics.metrics({ workflow: 'email-support', from: measured.from, to: measured.to });
    expect(fcr.body.measured).toMatchObject({ workflow: 'email-support', n: email.kpis.slaCompliance.ticketN, met: null });
    const unknown = await asManager('PATCH', `/api/execution-tables/${table.id}/rows/${read.rows[0].id}`, {
      kpi: { metric: 'csat', comparison: 'gte', target: 4, workflow: 'nope' },
    });
    expect([unknown.status, unknown.body.error.details[0].field]).toEqual([400, 'kpi.workflow']);
  });

  test('a missed target flags its row 需优化, its history keeping the measurement; a met target, or none, is refused', async () => {
    const { table, row } = await projectWith({ metric: 'first_response_time', comparison: 'lte', target: 0.5 });
    expect(row.measured.met).toBe(false);
    const flagged = await asManager('POST', `/api/execution-tables/${table.id}/rows/${row.id}/flag`);
    expect(flagged.status).toBe(200);
    expect(flagged.body).toMatchObject({ status: 'needs_optimization', measured: { met: false, value: row.measured.value } });
    const history = (await asManager('GET', `/api/execution-tables/${table.id}/rows/${row.id}/history`)).body.items;
    expect(history[0]).toMatchObject({
      action: 'flagged',
      actor: PEOPLE.manager.email,
      changes: {
        status: { from: 'in_progress', to: 'needs_optimization' },
        measured: { from: null, to: { value: row.measured.value, met: false, target: 0.5 } },
      },
    });
    // Flagged already: answered as it is, nothing more in the history.
    expect((await asManager('POST', `/api/execution-tables/${table.id}/rows/${row.id}/flag`)).status).toBe(200);
    expect((await asManager('GET', `/api/execution-tables/${table.id}/rows/${row.id}/history`)).body.items).toHaveLength(history.length);

    await asManager('PATCH', `/api/execution-tables/${table.id}/rows/${row.id}`, {
      status: 'in_progress',
      kpi: { metric: 'first_response_time', comparison: 'lte', target: 60 },
    });
    const met = await asManager('POST', `/api/execution-tables/${table.id}/rows/${row.id}/flag`);
    expect([met.status, met.body.error.code, met.body.error.details.reason]).toEqual([409, 'conflict', 'met']);
    await asManager('PATCH', `/api/execution-tables/${table.id}/rows/${row.id}`, { kpi: null });
    const none = await asManager('POST', `/api/execution-tables/${table.id}/rows/${row.id}/flag`);
    expect([none.status, none.body.error.details.reason]).toEqual([409, 'no_target']);
    expect((await server.call('POST', `/api/execution-tables/${table.id}/rows/${row.id}/flag`)).status).toBe(403);
  });

  test('the table page shows the measurement and flags with its form; the row page shows the definition', async () => {
    const { table, row } = await projectWith({ metric: 'first_response_time', comparison: 'lte', target: 0.5 });
    for (const [language, missed] of [
      ['zh-CN', '未达成'],
      ['en', 'missed'],
    ] as const) {
      const client = await FormClient.signedIn(server.url, PEOPLE.manager, language);
      const page = await client.get(`/execution-tables/${table.id}`);
      expect(testId(page.html, 'kpi-measured')).toContain(missed);
      const detail = await client.get(`/execution-tables/${table.id}/rows/${row.id}`);
      expect(testId(detail.html, 'kpi-definition')).toBeTruthy();
    }
    const client = await FormClient.signedIn(server.url, PEOPLE.manager, 'zh-CN');
    await client.get(`/execution-tables/${table.id}`);
    const posted = await client.post(`/execution-tables/${table.id}/rows/${row.id}/flag`, { back: `/execution-tables/${table.id}` });
    expect(posted.status).toBe(303);
    const after = await client.get(`/execution-tables/${table.id}`);
    expect(after.html).toContain('第 1 行已标记为需优化。');
    expect(after.html).not.toContain('data-testid="flag"');
  });

  test('export → import: the KPI sheet carries the target, its workflow and the live measurement; the read-only columns are ignored', async () => {
    const { table, row } = await projectWith({ metric: 'first_response_time', comparison: 'lte', target: 15, workflow: 'customer-inquiry' });
    const response = await fetch(`${server.url}/api/execution-tables/${table.id}/export.xlsx?lang=en`, {
      headers: { authorization: `Bearer ${server.tokens.manager}` },
    });
    const exported = Buffer.from(await response.arrayBuffer());
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(exported as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet('KPI targets')!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(header).toEqual([
      'Row ID',
      'Phase',
      'Metric',
      'Comparison',
      'Target',
      'Unit',
      'Baseline from',
      'Baseline to',
      'Description',
      'Workflow',
      'Measured (read-only)',
      'Met? (read-only)',
      'Measured over (read-only)',
    ]);
    const column = (name: string) => header.indexOf(name) + 1;
    const cells = sheet.getRow(2);
    expect(cells.getCell(column('Row ID')).value).toBe(row.id);
    expect(cells.getCell(column('Workflow')).value).toBe('customer-inquiry');
    expect(cells.getCell(column('Measured (read-only)')).value).toBe(row.measured.value);
    expect(cells.getCell(column('Met? (read-only)')).value).toBe(row.measured.met ? 'met' : 'missed');

    // Unchanged, the workbook changes nothing; nor does typing over the measurement.
    expect((await upload(table.id, exported)).body).toMatchObject({ applied: true, changed: 0, added: 0, removed: 0 });
    const rewrite = async (edit: (cells: ExcelJS.Row) => void) => {
      edit(cells);
      return Buffer.from(await workbook.xlsx.writeBuffer());
    };
    const typedOver = await rewrite((r) => {
      r.getCell(column('Measured (read-only)')).value = 1;
      r.getCell(column('Met? (read-only)')).value = 'met';
    });
    expect((await upload(table.id, typedOver, true)).body).toMatchObject({ changed: 0 });

    // The target and its workflow are read back.
    const retargeted = await rewrite((r) => {
      r.getCell(column('Target')).value = 10;
      r.getCell(column('Workflow')).value = 'email-support';
    });
    const applied = await upload(table.id, retargeted);
    expect(applied.body).toMatchObject({ applied: true, changed: 1 });
    expect(applied.body.details.changed[0].changes.kpi.to).toEqual({ metric: 'first_response_time', comparison: 'lte', target: 10, workflow: 'email-support' });
    const after = (await asManager('GET', `/api/execution-tables/${table.id}`)).body.rows[0];
    expect(after.measured.workflow).toBe('email-support');

    const unknown = await upload(
      table.id,
      await rewrite((r) => {
        r.getCell(column('Workflow')).value = 'no-such-sop';
      }),
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details).toEqual([expect.objectContaining({ sheet: 'KPI targets', row: 2, header: 'Workflow', code: 'workflowUnknown' })]);
  });
});
